/**
 * What a spec file imports: registration (spec.ts), claims, the data sets, implementation selection. The
 * conformance runner and `check` import the vitest-free modules directly (claims, ids, record, guard, env).
 */
export { conformanceSpecs, suiteSpecs, type ConformanceContext, type SpecContext, type SpecDecl } from './spec.js';
export { contract, keras, kerasProvenance, mnistReadme, notebookText, seed, SEED_FILES, type Claim, type SeedId } from './claims.js';
export { embeddedData, fullData } from './data.js';
export { outcomeTrainingSkip } from './implementations.js';
export { ContractError } from './guard.js';
export { ENV } from './env.js';
