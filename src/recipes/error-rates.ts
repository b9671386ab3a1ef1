import { mean, percentileOf, quantile, sampleSd, skewness, studentTUpperTail, welchTTest, Z_01 } from '../util/stats.js';
export { formatProbability } from '../util/stats.js';
import { CROSS_CHECK_ALPHA, MIN_CALIBRATION_SEEDS, type Bound, type Outcome } from './bounds.js';
import { readCalibration, seriesOf, type CalibrationRun } from './calibration.js';

/**
 * How likely a correct implementation is to fail a stochastic bound, estimated from the calibrated runs
 * (calibration.ts), and where one implementation's value falls among them.
 *
 * A bound is a set of conditions, each a limit on one quantity (accuracy ≥ 0.92; loss ≥ 1 and accuracy ≤ 0.7 …).
 * A correct implementation is another random draw of the same computation, so the chance that it breaks a
 * condition is the chance that one more run of the calibration lands beyond the limit. With n runs and a normal
 * population of unknown mean and spread, one more draw x satisfies (x − mean)/(sd·√(1 + 1/n)) ~ Student t with
 * n − 1 degrees of freedom: the prediction interval, heavier-tailed than a plain normal fit because mean and sd are
 * themselves estimated from n runs. A training's accuracy is not normal on its own scale (it lives in [0, 1], and a
 * short budget can leave a long tail of bad runs), so the same prediction is also made on a scale where the
 * quantity is unbounded — logit for a share, log for a loss — and the larger of the two probabilities is the one
 * stated. A bound's probability is the sum over its conditions (a union bound). Nothing here is distribution-free:
 * n runs all inside a bound only prove, without a model, that a correct implementation fails it less than about
 * 3/n of the time (95% confidence); the model carries the rest, which is why the skewness on each scale is kept.
 */
export type Quantity = 'accuracy' | 'loss' | 'saturatedWrongShare';
export type Side = 'low' | 'high';
export type Scale = 'raw' | 'logit' | 'log';

/** One condition of an outcome: `quantity` must not fall beyond `limit` on `side` ('low': value ≥ limit; 'high': value ≤ limit). */
export interface Condition {
  quantity: Quantity;
  side: Side;
  limit: number;
}

export function conditionsOf(o: Outcome): Condition[] {
  switch (o.kind) {
    case 'learns':
      return [{ quantity: 'accuracy', side: 'low', limit: o.minAccuracy }];
    case 'near-chance':
      return [
        { quantity: 'accuracy', side: 'high', limit: o.maxAccuracy },
        { quantity: 'loss', side: 'low', limit: o.minLoss },
      ];
    case 'partial':
      return [
        { quantity: 'accuracy', side: 'low', limit: o.minAccuracy },
        { quantity: 'accuracy', side: 'high', limit: o.maxAccuracy },
      ];
    case 'collapse':
      return [
        { quantity: 'loss', side: 'low', limit: o.minLoss },
        { quantity: 'accuracy', side: 'high', limit: o.maxAccuracy },
        { quantity: 'saturatedWrongShare', side: 'low', limit: o.minSaturatedShare },
      ];
  }
}

/** The unbounded scale of each quantity: shares in (0, 1) on logit, losses (> 0) on log. */
const UNBOUNDED: Record<Quantity, Exclude<Scale, 'raw'>> = { accuracy: 'logit', saturatedWrongShare: 'logit', loss: 'log' };

const FORWARD: Record<Scale, (x: number) => number> = { raw: (x) => x, logit: (p) => Math.log(p / (1 - p)), log: (x) => Math.log(x) };
const BACKWARD: Record<Scale, (y: number) => number> = { raw: (y) => y, logit: (y) => 1 / (1 + Math.exp(-y)), log: (y) => Math.exp(y) };

/** The fit of one scale: the predictive probability of breaking the limit, and the 1% tail point on the bound's side. */
export interface ScaleFit {
  scale: Scale;
  mean: number;
  sd: number;
  skewness: number;
  /** P(one more run breaks the limit), Student-t prediction with n − 1 df. */
  probability: number;
  /** The plug-in 1st percentile (side low) or 99th (side high) of the fitted normal, back on the quantity's scale. */
  tail: number;
}

export interface ConditionFit {
  condition: Condition;
  n: number;
  min: number;
  mean: number;
  max: number;
  /** The empirical 1st (side low) or 99th (side high) percentile of the runs (linear interpolation). */
  empiricalTail: number;
  fits: ScaleFit[];
  /** The fit whose probability is the larger: the one this condition's probability and tail come from. */
  chosen: ScaleFit;
}

function fitScale(xs: readonly number[], c: Condition, scale: Scale): ScaleFit | undefined {
  const ys = xs.map(FORWARD[scale]);
  const limit = FORWARD[scale](c.limit);
  if (!ys.every(Number.isFinite)) return undefined; // a share of exactly 0 or 1 has no logit
  const n = ys.length;
  const m = mean(ys);
  const sd = sampleSd(ys);
  // How far inside the limit the mean sits, in predictive standard deviations; towards the bound is negative.
  const distance = c.side === 'low' ? m - limit : limit - m;
  let probability: number;
  if (!Number.isFinite(limit)) probability = distance > 0 ? 0 : 1;
  else if (sd === 0) probability = distance > 0 ? 0 : 1;
  else probability = studentTUpperTail(distance / (sd * Math.sqrt(1 + 1 / n)), n - 1);
  const tail = BACKWARD[scale](m + (c.side === 'low' ? Z_01 : -Z_01) * sd);
  return { scale, mean: m, sd, skewness: n >= 3 ? skewness(ys) : 0, probability, tail };
}

/**
 * The limit at which a condition's estimated probability equals `target` (by bisection between the runs' far end and
 * the quantity's natural end): where a bound would have to sit to be failed that rarely by a correct implementation.
 */
export function limitAt(runs: readonly CalibrationRun[], quantity: Quantity, side: Side, target: number): number {
  const xs = runs.map((r) => r[quantity]);
  const p = (limit: number): number => fitCondition(runs, { quantity, side, limit }).chosen.probability;
  // The probability grows as the limit moves towards the runs: search between the farthest end and the nearest run.
  let far = side === 'low' ? (quantity === 'loss' ? 1e-9 : 1e-9) : quantity === 'loss' ? 1e9 : 1 - 1e-9;
  let near = side === 'low' ? Math.min(...xs) : Math.max(...xs);
  if (p(far) > target) return far;
  for (let i = 0; i < 200; i++) {
    const mid = quantity === 'loss' ? Math.sqrt(far * near) : (far + near) / 2;
    if (p(mid) > target) near = mid;
    else far = mid;
  }
  return far;
}

/** Fit one condition to the calibrated runs (at least 2). */
export function fitCondition(runs: readonly CalibrationRun[], c: Condition): ConditionFit {
  const xs = runs.map((r) => r[c.quantity]);
  if (xs.length < 2) throw new RangeError(`fitting ${c.quantity} needs at least two calibrated runs, got ${xs.length}`);
  const fits = (['raw', UNBOUNDED[c.quantity]] as const).map((s) => fitScale(xs, c, s)).filter((f): f is ScaleFit => f !== undefined);
  const chosen = fits.reduce((a, b) => (b.probability > a.probability ? b : a));
  return {
    condition: c,
    n: xs.length,
    min: Math.min(...xs),
    mean: mean(xs),
    max: Math.max(...xs),
    empiricalTail: quantile(xs, c.side === 'low' ? 0.01 : 0.99),
    fits,
    chosen,
  };
}

export interface ErrorRate {
  /** The estimated probability that one more correct run fails the bound: the sum over its conditions. */
  probability: number;
  conditions: ConditionFit[];
}

export function errorRate(outcome: Outcome, runs: readonly CalibrationRun[]): ErrorRate {
  const conditions = conditionsOf(outcome).map((c) => fitCondition(runs, c));
  return {
    probability: Math.min(
      1,
      conditions.reduce((a, c) => a + c.chosen.probability, 0),
    ),
    conditions,
  };
}

/** In words, for a spec's metadata and the reports. */
export const ERROR_RATE_METHOD =
  'Student-t prediction of one more run from the n calibrated seeds (normal fit, n − 1 df, sd·√(1 + 1/n)), on the raw scale and on ' +
  "the logit (accuracy, share) or log (loss) scale, the larger; summed over the bound's conditions";

/**
 * Where a value falls among the runs: its empirical percentile, and whether it is beyond the warning line towards the
 * bound — the fitted 1% tail, or the farthest calibrated run where that lies further out. A value a calibrated run of
 * the reference itself reached is never warned about: a skewed distribution (a short budget's long tail of bad runs)
 * can put one run in twenty beyond a normal fit's 1% tail.
 */
export function placeAmong(value: number, runs: readonly CalibrationRun[], fit: ConditionFit): { percentile: number; tail: number; beyondTail: boolean } {
  const low = fit.condition.side === 'low';
  const tail = low ? Math.min(fit.chosen.tail, fit.min) : Math.max(fit.chosen.tail, fit.max);
  return {
    percentile: percentileOf(
      value,
      runs.map((r) => r[fit.condition.quantity]),
    ),
    tail,
    beyondTail: low ? value < tail : value > tail,
  };
}

/** One implementation's calibration of a bound: its runs and the error rate they give. */
export interface BoundCalibration {
  implementation: string;
  data: string;
  runs: CalibrationRun[];
  rate: ErrorRate;
}

/**
 * Whether another implementation's runs of a bound come from the same distribution as the primary calibration's, on
 * one bounded quantity, by two tests on the scale the bound's error rate is taken from: Welch's t-test of the means,
 * and each of its seeds against the primary's Student-t prediction interval (the smallest p-value over its seeds,
 * Bonferroni-adjusted for their number: an outlier test). Seeds of two implementations given the same seed are often
 * the same numbers, so the samples are positively correlated and Welch's test is, if anything, lenient.
 */
export interface CrossCheck {
  implementation: string;
  against: string;
  quantity: Quantity;
  scale: Scale;
  n: number;
  welch: { t: number; df: number; p: number };
  outlier: { seed: number; value: number; p: number };
}

export interface CalibratedBound {
  bound: Bound;
  /** Every implementation with calibrated runs (at least 2) of this bound's recipe, data and budget, in the order asked. */
  calibrations: BoundCalibration[];
  /**
   * The calibrations the error rate is estimated from: those with at least MIN_CALIBRATION_SEEDS runs (all of them
   * when none has that many). A smaller calibration is a cross-check of the distribution, not an estimate of its tail:
   * with 5 seeds the Student-t prediction is dominated by how little 5 seeds say about the spread.
   */
  estimating: BoundCalibration[];
  /** The distribution a value is placed in: the estimating calibration with the most seeds (the order asked breaks ties). */
  primary: BoundCalibration | undefined;
  /** Every other calibration against the primary, per bounded quantity. */
  crossChecks: CrossCheck[];
  /** The largest estimate over the estimating calibrations (every calibrated implementation is a correct one); undefined when none. */
  probability: number | undefined;
}

function crossCheck(primary: BoundCalibration, other: BoundCalibration, fit: ConditionFit): CrossCheck {
  const q = fit.condition.quantity;
  const both = [...primary.runs, ...other.runs].map((r) => FORWARD[fit.chosen.scale](r[q]));
  const scale: Scale = both.every(Number.isFinite) ? fit.chosen.scale : 'raw';
  const ys = primary.runs.map((r) => FORWARD[scale](r[q]));
  const zs = other.runs.map((r) => FORWARD[scale](r[q]));
  const n = ys.length;
  const m = mean(ys);
  const sd = sampleSd(ys) * Math.sqrt(1 + 1 / n);
  const seedP = zs.map((z, i) => ({
    seed: other.runs[i]!.seed,
    value: other.runs[i]![q],
    p: sd === 0 ? (z === m ? 1 : 0) : Math.min(1, 2 * studentTUpperTail(Math.abs(z - m) / sd, n - 1)),
  }));
  const worst = seedP.reduce((a, b) => (b.p < a.p ? b : a));
  return {
    implementation: other.implementation,
    against: primary.implementation,
    quantity: q,
    scale,
    n: zs.length,
    welch: welchTTest(zs, ys),
    outlier: { ...worst, p: Math.min(1, worst.p * zs.length) },
  };
}

/** A bound's error rate from the committed calibrations of the named implementations (the reference first). */
export function calibratedBound(bound: Bound, implementations: readonly string[], dir?: string): CalibratedBound {
  const calibrations: BoundCalibration[] = [];
  for (const implementation of implementations) {
    const runs = seriesOf(readCalibration(implementation, bound.data, dir), bound.recipe, bound.epochs);
    if (runs.length >= 2) calibrations.push({ implementation, data: bound.data, runs, rate: errorRate(bound.outcome, runs) });
  }
  const enough = calibrations.filter((c) => c.runs.length >= MIN_CALIBRATION_SEEDS[bound.data]);
  const estimating = enough.length ? enough : calibrations;
  const primary = estimating.reduce<BoundCalibration | undefined>((a, b) => (a === undefined || b.runs.length > a.runs.length ? b : a), undefined);
  const crossChecks: CrossCheck[] = [];
  if (primary) {
    const fits = primary.rate.conditions.filter((f, i, all) => all.findIndex((g) => g.condition.quantity === f.condition.quantity) === i);
    for (const other of calibrations) if (other !== primary) for (const fit of fits) crossChecks.push(crossCheck(primary, other, fit));
  }
  const probability = estimating.length ? Math.max(...estimating.map((c) => c.rate.probability)) : undefined;
  return { bound, calibrations, estimating, primary, crossChecks, probability };
}

/**
 * The p-value each cross-check's two tests must reach: CROSS_CHECK_ALPHA split evenly (Bonferroni) over every test of
 * every cross-check, so that calibrations of one distribution fail any of them with probability at most CROSS_CHECK_ALPHA.
 */
export function crossCheckThreshold(checks: readonly CrossCheck[]): number {
  return CROSS_CHECK_ALPHA / Math.max(1, 2 * checks.length);
}

export const CROSS_CHECK_METHOD =
  "Welch's t-test of the means, and an outlier test of each seed against the primary calibration's Student-t prediction interval " +
  '(the smallest p over the seeds, times their number), per bounded quantity on the scale the error rate is taken from; ' +
  `every p-value at least ${CROSS_CHECK_ALPHA} divided over all the tests (Bonferroni)`;
