// @ts-check
/**
 * `npm run mutation`: Stryker mutates the numerical core of examples/plain-ts and runs the conformance specs of
 * vitest.mutation.config.ts against each mutant (plain-ts as the implementation under test). A mutant no spec kills is
 * a behaviour the specs do not pin, or an equivalent change: reports/mutation/README.md says which, for each survivor.
 *
 * The numerical core: the layers forward and backward (layers.ts, conv.ts), the activations, losses and
 * optimizers, the fit loop, the random stream's uses (uniform grid, permutation, glorot), and the model's inference
 * and training step (model.ts lines 139-195). Left out: gemm.ts (the matrix products a port replaces with its
 * runtime's, judged by every forward spec; instrumented, its inner loops made every spec twice as slow) and the rest
 * of model.ts (build, weight layouts, layer infos: bookkeeping, judged by the model:* specs).
 *
 * Kept within an hour on 2 cores by: that scope, coverage per test (a mutant runs only the specs that reach its
 * code), bail on the first failure, static mutants ignored (they would re-run every spec), a for loop's step never
 * reversed (a certain timeout), memory bookkeeping left out (scripts/stryker-ignorers.mjs), and the seconds-long specs only.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner', './scripts/stryker-ignorers.mjs'],
  ignorers: ['loop-steps', 'memory-bookkeeping'],
  mutate: [
    'examples/plain-ts/activations.ts',
    'examples/plain-ts/conv.ts',
    'examples/plain-ts/fit.ts',
    'examples/plain-ts/layers.ts',
    'examples/plain-ts/losses.ts',
    'examples/plain-ts/model.ts:139-195',
    'examples/plain-ts/optimizers.ts',
    'examples/plain-ts/random.ts',
  ],
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 10_000,
  dryRunTimeoutMinutes: 30,
  timeoutFactor: 1.5,
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false },
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  thresholds: { high: 90, low: 80, break: null },
};
