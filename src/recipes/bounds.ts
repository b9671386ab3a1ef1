/**
 * What a reproduction must show, per recipe, data set and budget: the single table both the training
 * specs and `mnist-spec reproduce`'s verdict read. Full-data bounds sit below what each notebook printed
 * by the margin a different random run can take; embedded-data bounds are calibrated over several seeds
 * (the calibration is written beside each one).
 */
export type DataTier = 'full' | 'embedded';

export type Outcome =
  /** Learned: test accuracy at least this. */
  | { kind: 'learns'; minAccuracy: number }
  /** Stays near chance: accuracy at most this and loss at least this (seed 004's sigmoid+MSE+SGD). */
  | { kind: 'near-chance'; maxAccuracy: number; minLoss: number }
  /** Leaves chance behind but is still far from trained at this budget: accuracy within [min, max] (SGD at lr 0.01). */
  | { kind: 'partial'; minAccuracy: number; maxAccuracy: number }
  /**
   * Seed 000's collapse on unscaled pixels: outputs saturate to one-hot, so every wrong answer costs the
   * clipped -ln(1e-7) ≈ 16.1 and the test loss is far above 1, while accuracy stays below `maxAccuracy`
   * (the same net on scaled input reaches 0.98).
   */
  | { kind: 'collapse'; minLoss: number; maxAccuracy: number; minSaturatedShare: number };

export interface Bound {
  recipe: string;
  data: DataTier;
  epochs: number;
  outcome: Outcome;
  /** How the bound was chosen. */
  why: string;
  /** Departures from the calibration policy below, each with its reason (test/calibration.test.ts holds the rest to it). */
  calibration?: {
    /** Why this bound is calibrated on fewer seeds than MIN_CALIBRATION_SEEDS asks (or none). */
    fewerSeeds?: string;
    /** Why this bound stays where it is with an estimated false-failure probability above MAX_FALSE_FAILURE. */
    acceptedFalseFailure?: string;
  };
}

/**
 * The calibration policy of the bounds on random outcomes (calibration/README.md has the numbers, test/calibration.test.ts
 * holds the bounds to it):
 * - each bound's error rate is estimated from at least MIN_CALIBRATION_SEEDS seeds of one correct implementation (on
 *   embedded data the engine, which agrees with the reference to 4 digits where both ran; on the full set the full-tier
 *   trainer, where the reference (wasm) would take days), the largest estimate when several have that many;
 * - on embedded data the reference itself is run on at least MIN_CROSS_CHECK_SEEDS seeds, and its runs must pass the
 *   cross-check (src/recipes/error-rates.ts: Welch's t-test and an outlier test against the estimating runs, family-wise
 *   false alarm CROSS_CHECK_ALPHA): the distribution estimated is the reference's;
 * - a bound a correct implementation fails with an estimated probability above MAX_FALSE_FAILURE is moved to where it
 *   is not (the table's `limit at P = 1e-4`, rounded down), or says why it stays (Bound.calibration.acceptedFalseFailure).
 */
export const MIN_CALIBRATION_SEEDS: Readonly<Record<DataTier, number>> = { embedded: 20, full: 5 };
export const MIN_CROSS_CHECK_SEEDS = 5;
export const CROSS_CHECK_ALPHA = 0.01;
export const MAX_FALSE_FAILURE = 1e-4;

/**
 * Why a full-data bound has fewer than MIN_CALIBRATION_SEEDS.full seeds: the runs measured, and what more would cost.
 * The full tier's run records (reports/full-tier/<impl>/) keep one seed per implementation.
 */
function fullTierSeeds(measured: string): string {
  return (
    `measured on the full set: ${measured} (reports/full-tier/). Five seeds per bound on the full set are hours of training ` +
    "on this 2-core machine (the notebooks' own budgets: up to 100 epochs of 60,000 digits), and the full tier is opt-in " +
    '(MNIST_DIR, `npm run test:full`); no error rate is estimated from so few seeds: the bound sits below every run by the margin its why gives'
  );
}

export const BOUNDS: readonly Bound[] = [
  {
    recipe: '001',
    data: 'full',
    epochs: 20,
    outcome: { kind: 'learns', minAccuracy: 0.98 },
    why: "seed 001 printed 0.9842; Keras's mnist_mlp docstring: 98.40%",
    calibration: { fewerSeeds: fullTierSeeds('engine seed 1 0.9842 (also in calibration/engine-full.json), pytorch seed 1 0.9831') },
  },
  {
    recipe: '002',
    data: 'full',
    epochs: 20,
    outcome: { kind: 'learns', minAccuracy: 0.975 },
    why: 'seed 002 printed 0.9822',
    calibration: { fewerSeeds: fullTierSeeds('engine seed 1 0.9817, pytorch seed 1 0.9765') },
  },
  {
    recipe: '003',
    data: 'full',
    epochs: 20,
    outcome: { kind: 'learns', minAccuracy: 0.97 },
    why: 'seed 003 printed 0.9764',
    calibration: { fewerSeeds: fullTierSeeds('engine seed 1 0.9822, pytorch seed 1 0.9797') },
  },
  {
    recipe: '000-scaled',
    data: 'full',
    epochs: 100,
    outcome: { kind: 'learns', minAccuracy: 0.98 },
    why: 'the 001 network with 5× its budget',
    calibration: { fewerSeeds: fullTierSeeds('engine seed 1 0.9853, pytorch seed 1 0.9854') },
  },
  {
    recipe: '000',
    data: 'full',
    epochs: 100,
    outcome: { kind: 'collapse', minLoss: 1, maxAccuracy: 0.8, minSaturatedShare: 0.9 },
    why:
      'seed 000 printed loss 8.1348, accuracy 0.4953: 8.1348 ≈ (1 − 0.4953) × 16.118, every wrong answer saturated. ' +
      'Where it collapses is a matter of the run: engine seeds 1-3 ended at accuracy 0.3924, 0.0892, 0.4804 with loss 9.7934, 14.6804, 8.375, ' +
      "each (1 − accuracy) × 16.118 to 4 digits; so the bound holds the signature, not the notebook's accuracy",
    calibration: { fewerSeeds: fullTierSeeds('engine seeds 1-3 (see why), pytorch seed 1 accuracy 0.4749, loss 8.4628') },
  },
  {
    recipe: '004-mlp',
    data: 'full',
    epochs: 5,
    outcome: { kind: 'near-chance', maxAccuracy: 0.35, minLoss: 0.085 },
    why: 'seed 004 printed 0.128 and loss 0.0896 ≈ 0.09, the MSE of a uniform guess; engine seeds 1-3: accuracy 0.1144-0.1702, loss 0.0897-0.0903',
    calibration: { fewerSeeds: fullTierSeeds('engine seeds 1-3 (see why), pytorch seed 1 0.1157, loss 0.0899') },
  },
  // Seed 004's exercises at the notebook's 5 epochs, each changing one thing of 004-mlp. Calibrated with engine on
  // seeds 1-3; tfjs (wasm) on seed 1 gave the same accuracy and loss to 4 digits where it was run (see each why).
  // Only a change of optimizer learns in 5 epochs; with SGD at lr 0.01, cross-entropy, relu and tanh leave chance
  // behind but stay far from trained, and more sigmoid units or layers stay at chance.
  {
    recipe: '004-mlp-ce',
    data: 'full',
    epochs: 5,
    outcome: { kind: 'partial', minAccuracy: 0.6, maxAccuracy: 0.9 },
    why: 'learns slowly with SGD(lr=0.01): engine seeds 1-3 reached 0.6808-0.7086 (cross-entropy 1.54-1.58; a uniform guess: 2.30); tfjs seed 1: 0.6884',
    calibration: { fewerSeeds: fullTierSeeds('engine seeds 1-3 and tfjs seed 1 (see why), pytorch seed 1 0.7036') },
  },
  {
    recipe: '004-mlp-adam',
    data: 'full',
    epochs: 5,
    outcome: { kind: 'learns', minAccuracy: 0.95 },
    why: 'learns: engine seeds 1-3 reached 0.9646-0.967 (MSE 0.0052-0.0054) where SGD stays at chance',
    calibration: { fewerSeeds: fullTierSeeds('engine seeds 1-3 (see why), pytorch seed 1 0.9652') },
  },
  {
    recipe: '004-mlp-rmsprop',
    data: 'full',
    epochs: 5,
    outcome: { kind: 'learns', minAccuracy: 0.95 },
    why: 'learns: engine seeds 1-3 reached 0.9632-0.9676 (MSE 0.0053-0.0056) where SGD stays at chance',
    calibration: { fewerSeeds: fullTierSeeds('engine seeds 1-3 (see why), pytorch seed 1 0.964') },
  },
  {
    recipe: '004-mlp-relu',
    data: 'full',
    epochs: 5,
    outcome: { kind: 'partial', minAccuracy: 0.3, maxAccuracy: 0.8 },
    why: 'leaves chance but barely learns with MSE and SGD(lr=0.01): engine seeds 1-3 reached 0.4368-0.5668 (MSE 0.0759-0.0767); tfjs seed 1: 0.4629',
    calibration: { fewerSeeds: fullTierSeeds('engine seeds 1-3 and tfjs seed 1 (see why), pytorch seed 1 0.5908') },
  },
  {
    recipe: '004-mlp-tanh',
    data: 'full',
    epochs: 5,
    outcome: { kind: 'partial', minAccuracy: 0.6, maxAccuracy: 0.9 },
    why: 'learns slowly with MSE and SGD(lr=0.01): engine seeds 1-3 reached 0.7143-0.7496 (MSE 0.0486-0.051); tfjs seed 1: 0.7143',
    calibration: { fewerSeeds: fullTierSeeds('engine seeds 1-3 and tfjs seed 1 (see why), pytorch seed 1 0.749') },
  },
  {
    recipe: '004-mlp-wide',
    data: 'full',
    epochs: 5,
    outcome: { kind: 'near-chance', maxAccuracy: 0.35, minLoss: 0.085 },
    why: 'more sigmoid units do not help SGD(lr=0.01) with MSE: engine seeds 1-3 stayed at 0.1135-0.1486, MSE 0.0897-0.09',
    calibration: { fewerSeeds: fullTierSeeds('engine seeds 1-3 (see why), pytorch seed 1 0.1235, loss 0.0898') },
  },
  {
    recipe: '004-mlp-deep',
    data: 'full',
    epochs: 5,
    outcome: { kind: 'near-chance', maxAccuracy: 0.35, minLoss: 0.085 },
    why: 'a third sigmoid layer trains slower still: engine seeds 1-3 stayed at 0.1024-0.1143, MSE 0.09-0.0904',
    calibration: { fewerSeeds: fullTierSeeds('engine seeds 1-3 (see why), pytorch seed 1 0.1135, loss 0.0903') },
  },
  {
    recipe: '004-cnn',
    data: 'full',
    epochs: 1,
    outcome: { kind: 'learns', minAccuracy: 0.97 },
    why: 'seed 004 printed 0.9812 after one epoch. One epoch of Adam at lr 0.01 ends wherever its last steps land: engine seeds 1-5 gave 0.9742-0.9842 (seed 1 with one thread instead of two, as the full tier runs it: 0.9708 when calibrated, 0.9805 with the engine of 2026-12-07; tfjs seed 1: 0.9811), so 0.975 would fail one run in five; 0.97 sits below every run measured',
    calibration: { fewerSeeds: fullTierSeeds('engine seeds 1-5 and tfjs seed 1 (see why), pytorch seed 1 0.98') },
  },

  // Embedded tier (8,000 training / 2,000 test digits, embedded-v1): short budgets for the default run. Calibrated on
  // seeds 1-20 of the engine (1-40 and 101-110 for 004-mlp-rmsprop; calibration/engine-embedded.json) and seeds 1-20 of
  // the tfjs reference (wasm; calibration/tfjs-embedded.json; 1-10 until the 10-run flake count of 2026-12-07 put two
  // of 003's runs below all of them), which gives the same numbers as the engine on most seeds; each bound's error rate
  // is the larger of the two estimates; calibration/README.md has the fits. A bound above MAX_FALSE_FAILURE sits at the
  // table's `limit at P = 1e-4` (the stricter of the two), rounded outwards to a readable number.
  {
    recipe: '001',
    data: 'embedded',
    epochs: 5,
    outcome: { kind: 'learns', minAccuracy: 0.9 },
    why:
      'engine seeds 1-20 reached 0.9255-0.9505 (mean 0.9415, a long low tail: skewness -1.1), tfjs seeds 1-20 0.925-0.9505 (mean 0.942); ' +
      'the earlier 0.92 (below tfjs seeds 1-5) is failed by a correct implementation with p ≈ 3e-3 on that fit, so the bound sits at the ' +
      'limit at P = 1e-4 (0.9069 on the engine’s fit, 0.9052 on tfjs’s), rounded down: 0.9 (p ≈ 3e-5)',
  },
  {
    recipe: '002',
    data: 'embedded',
    epochs: 2,
    outcome: { kind: 'learns', minAccuracy: 0.88 },
    why: 'engine seeds 1-20 reached 0.8995-0.93 (mean 0.9193), tfjs seeds 1-20 0.8995-0.93 (mean 0.9194): p ≈ 6e-5 that a correct implementation falls below 0.88',
  },
  {
    recipe: '003',
    data: 'embedded',
    epochs: 1,
    outcome: { kind: 'learns', minAccuracy: 0.85 },
    why:
      'one epoch at batch 32: engine seeds 1-20 reached 0.8955-0.924 (mean 0.9137), tfjs seeds 1-20 0.8855-0.9235 (mean 0.9118), and ' +
      'the flake count’s tfjs seeds 101-110 went down to 0.8785. The earlier 0.89 (below tfjs seeds 1-3) was failed with p ≈ 9e-3; ' +
      'then 0.86, the engine’s limit at P = 1e-4 (0.867) rounded down, is failed with p ≈ 3e-4 on tfjs’s 20 seeds (the wider ' +
      'spread), so the bound sits at tfjs’s limit (0.8529), rounded down: 0.85',
  },
  {
    recipe: '000',
    data: 'embedded',
    epochs: 2,
    outcome: { kind: 'collapse', minLoss: 1, maxAccuracy: 0.83, minSaturatedShare: 0.9 },
    why:
      'unscaled pixels: engine seeds 1-20 gave accuracy 0.1-0.388, loss 9.84-14.51, ≥ 99.35% of wrong answers saturated; tfjs ' +
      'seeds 1-20 accuracy 0.0865-0.435, loss 9.05-14.72, ≥ 98.9% saturated. Accuracy ≤ 0.7 was failed by a correct implementation ' +
      'with p ≈ 3e-4 on the engine’s fit, and 0.76 (its limit at P = 1e-4, 0.7511, rounded up) with p ≈ 5e-4 on tfjs’s 20 seeds, ' +
      'whose logit-scale fit has the longer upper tail; so it sits at tfjs’s limit (0.8253), rounded up: 0.83 — still below what ' +
      'the same net reaches on scaled input (0.9+), and the collapse is judged by all three conditions together: loss ≥ 1 and the ' +
      'saturated share hold with p < 1e-6',
  },
  {
    recipe: '004-mlp',
    data: 'embedded',
    epochs: 3,
    outcome: { kind: 'near-chance', maxAccuracy: 0.3, minLoss: 0.085 },
    why: 'engine seeds 1-20: accuracy 0.073-0.205, loss 0.0913-0.0947 (a uniform guess: 0.09); tfjs seeds 1-20 the same; p ≈ 6e-6',
  },
  {
    recipe: '004-mlp-adam',
    data: 'embedded',
    epochs: 3,
    outcome: { kind: 'learns', minAccuracy: 0.85 },
    why: 'engine seeds 1-20 reached 0.8855-0.8995, tfjs seeds 1-20 the same, where SGD stays at chance; p ≈ 1e-10',
  },
  {
    recipe: '004-mlp-rmsprop',
    data: 'embedded',
    epochs: 3,
    outcome: { kind: 'learns', minAccuracy: 0.85 },
    why:
      'where SGD stays at chance: engine seeds 1-40 and 101-110 reached 0.8595-0.898 (mean 0.8846; skewness -1.0), tfjs seeds 1-20 ' +
      '0.8735-0.898 (p ≈ 3e-5 on their own); p ≈ 5e-5. Seeds 1-20 alone (min 0.8735) gave 3e-5: the flake runs at seeds 101 and 102 (0.868, 0.8595, the same ' +
      'in tfjs and the engine) showed a longer low tail, so the engine was run on 30 more seeds and the bound checked again',
  },
  {
    recipe: '004-cnn',
    data: 'embedded',
    epochs: 1,
    outcome: { kind: 'learns', minAccuracy: 0.25 },
    why:
      'learns, far above chance (0.1), but only 125 Adam steps at lr 0.01 with batch-norm statistics still settling: engine seeds 1-20 ' +
      'gave 0.6255-0.963 (mean 0.8853, skewness -2.1 on the raw scale), tfjs seeds 1-20 0.4945-0.9565 (seed 8: 0.4945, the engine 0.8405: the reference itself below the earlier bound). The earlier 0.5 is failed by a ' +
      'correct implementation with p ≈ 3e-3 on the logit-scale fit (one run in twenty lands at 0.63), so the bound sits at the limit ' +
      'at P = 1e-4 (0.253 on the engine’s fit, 0.2554 on tfjs’s), rounded down: 0.25, still 2.5 times chance',
  },
];

/** The bound of a recipe on a data tier at a budget; without `epochs`, the first one listed for that recipe and tier. */
export function findBound(recipe: string, data: DataTier, epochs?: number): Bound | undefined {
  return BOUNDS.find((b) => b.recipe === recipe && b.data === data && (epochs === undefined || b.epochs === epochs));
}

export interface Measured {
  accuracy: number;
  loss: number;
  /** Share of wrong test answers whose predicted probability for the true class is clipped (≤ 1e-7). */
  saturatedWrongShare?: number;
}

export function describeOutcome(o: Outcome): string {
  switch (o.kind) {
    case 'learns':
      return `accuracy ≥ ${o.minAccuracy}`;
    case 'near-chance':
      return `accuracy ≤ ${o.maxAccuracy} and loss ≥ ${o.minLoss}`;
    case 'partial':
      return `${o.minAccuracy} ≤ accuracy ≤ ${o.maxAccuracy}`;
    case 'collapse':
      return `loss ≥ ${o.minLoss}, accuracy ≤ ${o.maxAccuracy}, ≥ ${o.minSaturatedShare * 100}% of wrong answers saturated`;
  }
}

export function outcomeHolds(o: Outcome, m: Measured): boolean {
  switch (o.kind) {
    case 'learns':
      return m.accuracy >= o.minAccuracy;
    case 'near-chance':
      return m.accuracy <= o.maxAccuracy && m.loss >= o.minLoss;
    case 'partial':
      return m.accuracy >= o.minAccuracy && m.accuracy <= o.maxAccuracy;
    case 'collapse':
      return m.loss >= o.minLoss && m.accuracy <= o.maxAccuracy && (m.saturatedWrongShare ?? 0) >= o.minSaturatedShare;
  }
}
