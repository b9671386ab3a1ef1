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
  /** For a bound on a random outcome: how it was chosen, and how likely a correct implementation is to fail it. */
  stochastic?: Stochastic;
  /** The behaviours of the contract a conformance spec judges (src/harness/contract.ts). */
  judges?: string[];
  /** The implementation a conformance spec ran against (its registered name). */
  implementation?: string;
  measured?: unknown;
  bound?: string;
  skipReason?: string;
  /**
   * Why a spec that passed deserves a second look (ctx.warn): e.g. a value inside its bound but beyond the 1% tail of
   * the reference's distribution. A passed spec with warnings is reported as `warn` (judged, does not fail the run).
   */
  warnings?: string[];
  /** For a stochastic bound: where each bounded value falls in the reference's calibrated distribution (ctx.place). */
  placements?: Placement[];
  /**
   * Named JSON values a spec attached for the reports (ctx.attach): `histories` (every History a model.fit()
   * returned, collected by the harness), `confusion`, `misclassified`.
   */
  artifacts?: Record<string, unknown>;
}

/**
 * A bound on a random outcome (a training's accuracy, a sample statistic): how it was chosen and the estimated
 * probability that a correct implementation — another random draw of the same computation — fails it.
 */
export interface Stochastic {
  /** How the bound was chosen: the runs calibrated, the spread seen, why it sits where it does. */
  why: string;
  /** How `falseFailure` was estimated (the model fitted to which runs, and what it assumes). */
  method?: string;
  /** The estimated probability that a correct implementation fails the spec. */
  falseFailure?: number;
  /** The calibrations the estimate rests on: the implementation, data and number of seeds of each. */
  calibrations?: { implementation: string; data: string; seeds: number }[];
}

/**
 * A measured value placed in the reference's distribution: its percentile among the reference's calibrated runs,
 * and whether it lies beyond the reference's 1% tail on the side its bound limits.
 */
export interface Placement {
  /** What was measured: `accuracy`, `loss`, … */
  quantity: string;
  value: number;
  /** The side of the distribution the bound cuts off: 'low' for a lower bound (accuracy ≥ x), 'high' for an upper one. */
  side: 'low' | 'high';
  /** The implementation whose calibrated runs this value is placed among, on which data, how many seeds. */
  reference: { implementation: string; data: string; seeds: number };
  /** The share of the reference's runs below the value, ties counted half, in percent (0–100). */
  percentile: number;
  /** The warning line: the reference's 1st percentile (side 'low') or 99th (side 'high') from the fit the bound's error rate uses, or its farthest run if further out. */
  tail: number;
  /** The value lies beyond `tail`, towards the bound. */
  beyondTail: boolean;
}

/** A record as read back from a result file (older reports, vitest JSON): every field may be missing. */
export type SpecRecordLike = Partial<SpecRecord>;
