import type { Claim } from './claims.js';
import type { Params, SpecKind } from './ids.js';
import type { SpecNeeds, Tier } from './tiers.js';

/**
 * The one typed record of a spec: what the harness knows of it when it registers (id, claim, tier, needs) and
 * what the run adds (measured value, bound, skip reason, artifacts). It travels with the vitest task as
 * `task.meta.spec`, through the conform reporter's result lines into report.json (src/conform/report.ts).
 */
export interface SpecRecord {
  id: string;
  kind: SpecKind;
  claim: Claim;
  tier: Tier;
  tags: string[];
  /** The parameters the id renders (recipe, data, …), as data. */
  params?: Params;
  needs?: SpecNeeds;
  /** For a bound on a random outcome: how the bound was chosen (seeds run, spread seen). */
  stochastic?: string;
  /** The behaviours of the contract a conformance spec judges (src/harness/contract.ts). */
  judges?: string[];
  /** The implementation a conformance spec ran against (its registered name). */
  implementation?: string;
  measured?: unknown;
  bound?: string;
  skipReason?: string;
  /**
   * Named JSON values a spec attached for the reports (ctx.attach): `histories` (every History a model.fit()
   * returned, collected by the harness), `confusion`, `misclassified`.
   */
  artifacts?: Record<string, unknown>;
}

/** A record as read back from a result file (older reports, vitest JSON): every field may be missing. */
export type SpecRecordLike = Partial<SpecRecord>;
