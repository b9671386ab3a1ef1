import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { MnistData } from '../../../src/data/types.js';
import type { Implementation } from '../../../src/impl/interface.js';
import { theOneWithRole, withRole } from '../../../src/impl/registry.js';
import { BOUNDS, describeOutcome, outcomeHolds, type Bound, type Measured } from '../../../src/recipes/bounds.js';
import {
  calibratedBound,
  CROSS_CHECK_METHOD,
  ERROR_RATE_METHOD,
  formatProbability,
  placeAmong,
  type CalibratedBound,
} from '../../../src/recipes/error-rates.js';
import { getRecipe } from '../../../src/recipes/index.js';
import { keepFullTierRun } from '../../../src/reproduce/full-tier.js';
import { misclassifiedAmong, PREDICTIONS_CSV_HEADER, predictionsCsv } from '../../../src/reproduce/outputs.js';
import { reproduceRun, type Reproduction } from '../../../src/reproduce/run.js';
import { seed } from '../../../src/harness/claims.js';
import { embeddedData, fullData } from '../../../src/harness/data.js';
import { ENV } from '../../../src/harness/env.js';
import { outcomeTrainingSkip } from '../../../src/harness/implementations.js';
import type { Stochastic } from '../../../src/harness/record.js';
import type { ConformanceContext, RegisterSpec, SpecContext, SpecDecl } from '../../../src/harness/spec.js';
import type { Recipe } from '../../../src/recipes/index.js';
import { SEED_003_MISS_COUNT_AT_LEAST, SEED_003_MISSES } from '../../support/seed003-listing.js';

/**
 * Each notebook's outcome, reproduced: train the recipe at the budget of a bound in src/recipes/bounds.ts
 * and hold the test result to it. Full-data bounds are the notebooks' own budgets (full tier); embedded
 * ones are short budgets that fit the default tier, calibrated over several seeds (see each bound's why).
 * Each outcome's claim is the notebook line its recipe quotes (src/recipes/index.ts).
 */

/** The seed every outcome training uses: 1, or MNIST_SPEC_TRAIN_SEED (src/harness/env.ts) to draw another run. */
const DEFAULT_TRAIN_SEED = 1;
function trainSeed(): number {
  const text = process.env[ENV.trainSeed];
  if (text === undefined || text === '') return DEFAULT_TRAIN_SEED;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${ENV.trainSeed}: "${text}" is not a non-negative integer`);
  return seed;
}

/** Where the full tier keeps its run records (src/reproduce/full-tier.ts). */
const FULL_TIER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../reports/full-tier');

/**
 * The misclassified samples among seed 003's first 784 are a sample of the test errors: their count is about
 * binomial(784, 1 − accuracy). Held within this many standard deviations of that mean, a count that
 * disagrees with the accuracy (a listing of the wrong samples, or of all of them) fails, while chance
 * alone fails it far less than once in a thousand runs. The notebook's own count passes the same rule.
 */
const MISS_COUNT_SIGMAS = 4;

function missCountBand(among: number, accuracy: number): [number, number] {
  const mean = among * (1 - accuracy);
  const sd = Math.sqrt(among * (1 - accuracy) * accuracy);
  return [Math.max(0, mean - MISS_COUNT_SIGMAS * sd), mean + MISS_COUNT_SIGMAS * sd];
}

/**
 * One training per implementation, bound and file: the outcome spec trains, and the specs of the files and
 * listings the notebook makes from the same model read that run (trained on demand when run alone).
 */
const runs = new Map<string, Promise<{ run: Reproduction; data: MnistData }>>();
function runOf(impl: Implementation, bound: Bound, ctx: SpecContext): Promise<{ run: Reproduction; data: MnistData }> {
  const skip = outcomeTrainingSkip(impl.name, bound.data);
  if (skip) ctx.skip(skip);
  const key = `${impl.name}|${bound.recipe}|${bound.data}|${bound.epochs}`;
  let run = runs.get(key);
  if (!run) {
    run = (async () => {
      const recipe = getRecipe(bound.recipe);
      const data = bound.data === 'full' ? await fullData() : await embeddedData();
      const result = await reproduceRun({ recipe, impl, data, epochs: bound.epochs, seed: trainSeed() });
      // The full tier keeps what it ran: the run record and the notebook's files, under reports/full-tier/.
      if (bound.data === 'full') await keepFullTierRun(FULL_TIER_DIR, recipe, result, data.yTest.data);
      return { run: result, data };
    })();
    run.catch(() => runs.delete(key));
    runs.set(key, run);
  }
  return run;
}

/** The notebook line a bound's recipe answers to (src/recipes: every recipe quotes one). */
function claimOf(bound: Bound) {
  const recipe = getRecipe(bound.recipe);
  return seed(recipe.notebook, recipe.quote);
}

/**
 * The two 100-epoch trainings of the full tier (seed 000 as it ran, and on scaled pixels) each have a spec file
 * of their own: vitest runs files side by side (one per core), so the full tier's longest runs overlap instead of
 * queueing behind each other in one file.
 */
export function isLongMlpRun(recipe: Recipe): boolean {
  return recipe.id === '000' || recipe.id === '000-scaled';
}

/**
 * The implementations whose calibrated runs (calibration/) speak for a correct one: the reference first, then the
 * full-tier trainer. Which of them estimates a bound's error rate and which cross-checks it is src/recipes/error-rates.ts's
 * calibratedBound (the policy in src/recipes/bounds.ts).
 */
const CALIBRATED = [...new Set([theOneWithRole('reference'), ...withRole('full-tier-trainer')])];

/** A bound's metadata: why it sits where it does, and the estimated probability that a correct implementation fails it. */
function stochasticOf(bound: Bound, calibrated: CalibratedBound): Stochastic {
  if (calibrated.probability === undefined) {
    return { why: bound.why, method: `not calibrated: ${bound.calibration?.fewerSeeds ?? 'the seeds named in `why` only'}; no error rate estimated` };
  }
  const seeds = (cs: readonly { implementation: string; runs: readonly unknown[] }[]): string =>
    cs.map((c) => `${c.implementation} (${c.runs.length} seeds)`).join(', ');
  const checked = calibrated.calibrations.filter((c) => !calibrated.estimating.includes(c));
  return {
    why: bound.why,
    method:
      `${ERROR_RATE_METHOD}; the largest over ${seeds(calibrated.estimating)}` +
      `${checked.length ? `, cross-checked against ${seeds(checked)} (${CROSS_CHECK_METHOD})` : ''} (src/recipes/error-rates.ts)`,
    falseFailure: calibrated.probability,
    calibrations: calibrated.calibrations.map((c) => ({ implementation: c.implementation, data: c.data, seeds: c.runs.length })),
  };
}

const fmt = (x: number): string => String(Number(x.toPrecision(4)));

/**
 * Place each bounded value in the reference distribution — the primary calibration's runs: the largest one, which
 * the reference's own runs are cross-checked against — and warn about a pass beyond its fitted 1% tail and every run on the bound's
 * side: legal, but unlikely for a correct implementation.
 */
function placeInReference(ctx: ConformanceContext, calibrated: CalibratedBound, measured: Measured, holds: boolean): void {
  const ref = calibrated.primary;
  if (!ref) return;
  for (const fit of ref.rate.conditions) {
    const { quantity, side } = fit.condition;
    const value = measured[quantity];
    if (value === undefined || !Number.isFinite(value)) continue;
    const where = placeAmong(value, ref.runs, fit);
    ctx.place({ quantity, value, side, reference: { implementation: ref.implementation, data: ref.data, seeds: ref.runs.length }, ...where });
    if (holds && where.beyondTail) {
      ctx.warn(
        `${quantity} ${fmt(value)} passes its bound but lies ${side === 'low' ? 'below' : 'above'} the ${side === 'low' ? '1st' : '99th'} percentile ${fmt(where.tail)} ` +
          `of ${ref.implementation}'s ${ref.runs.length} calibrated seeds (${fit.chosen.scale}-scale fit, or their ${side === 'low' ? 'lowest' : 'highest'} run if further out): ` +
          'a correct implementation lands there about once in a hundred runs',
      );
    }
  }
}

/** Register the outcome specs of the bounds whose recipe `select` picks (split across files so vitest runs them in parallel). */
export function outcomeSpecs(spec: RegisterSpec<ConformanceContext>, select: (recipe: Recipe) => boolean): void {
  for (const bound of BOUNDS.filter((b) => select(getRecipe(b.recipe)))) {
    const recipe = getRecipe(bound.recipe);
    const params = { recipe: bound.recipe, data: bound.data, epochs: bound.epochs };
    const calibrated = calibratedBound(bound, CALIBRATED);
    const meta = {
      tier: bound.data === 'full' ? ('full' as const) : ('fast' as const),
      needs: {
        train: { optimizer: recipe.training.optimizer.type, loss: recipe.training.loss },
        layers: [...new Set(recipe.arch.layers.map((l) => l.type))],
        ...(bound.data === 'full' ? { fullData: true } : {}),
      },
      stochastic: stochasticOf(bound, calibrated),
      judges: ['end-to-end:notebook'],
      // Budgets far above what each training takes on a quiet machine (embedded: 4–40 s), so a loaded machine slows a
      // verdict down instead of changing it; a training that truly hangs is still caught, by the spec's timeout.
      timeoutMs: (bound.data === 'full' ? 240 : 15) * 60_000,
    } satisfies Omit<SpecDecl, 'claim'>;

    spec({ params, claim: claimOf(bound), ...meta }, async (ctx) => {
      const { impl } = ctx;
      const { record } = (await runOf(impl, bound, ctx)).run;
      const p = calibrated.probability;
      const seed = trainSeed();
      ctx.record(
        {
          accuracy: record.test.accuracy,
          loss: record.test.loss,
          saturatedWrongShare: record.test.saturatedWrongShare,
          ...(seed === DEFAULT_TRAIN_SEED ? {} : { seed }),
        },
        `${describeOutcome(bound.outcome)}${p === undefined ? '' : ` (a correct implementation fails it with p ≈ ${formatProbability(p)})`}`,
      );
      const holds = outcomeHolds(bound.outcome, record.test);
      placeInReference(ctx, calibrated, record.test, holds);
      expect(holds, `${bound.recipe}: ${JSON.stringify(record.test)} vs ${describeOutcome(bound.outcome)}`).toBe(true);
    });

    const among = recipe.outputs?.misclassifiedAmongFirst;
    if (among !== undefined) {
      spec({ params: { ...params, output: 'misclassified' }, claim: seed('003', SEED_003_MISSES[0]), ...meta }, async (ctx) => {
        const { impl } = ctx;
        const { run, data } = await runOf(impl, bound, ctx);
        const listed = run.record.misclassified?.samples;
        expect(listed, 'the run record lists the misclassified samples').toBeDefined();
        ctx.attach('misclassifiedListing', listed); // not 'misclassified': that key is the digits grid of inference:evaluate (src/conform/render)
        // Exactly the samples among the first `among` whose predicted class is not their y_test label.
        for (const m of listed!) {
          expect(m.index).toBeLessThan(among);
          expect(m.actual, `actual of sample ${m.index} is its y_test label`).toBe(data.yTest.data[m.index]);
          expect(m.predicted, `predicted of sample ${m.index}`).toBe(run.predictions[m.index]);
          expect(m.predicted).not.toBe(m.actual);
        }
        expect(listed!.map((m) => m.index)).toEqual(misclassifiedAmong(run.predictions, data.yTest.data, among).map((m) => m.index));
        // The count agrees with the accuracy, as the notebook's (≥ 15 at accuracy 0.9764) does.
        const printed = getRecipe('003').printed!.accuracy;
        const [nbLow, nbHigh] = missCountBand(among, printed);
        expect(SEED_003_MISS_COUNT_AT_LEAST).toBeGreaterThanOrEqual(nbLow);
        expect(SEED_003_MISS_COUNT_AT_LEAST).toBeLessThanOrEqual(nbHigh);
        const [low, high] = missCountBand(among, run.record.test.accuracy);
        ctx.record(
          { misclassified: listed!.length, among, accuracy: run.record.test.accuracy },
          `${low.toFixed(1)}..${high.toFixed(1)} (notebook: ≥ ${SEED_003_MISS_COUNT_AT_LEAST} at accuracy ${printed})`,
        );
        expect(listed!.length).toBeGreaterThanOrEqual(low);
        expect(listed!.length).toBeLessThanOrEqual(high);
      });
    }

    const csvName = recipe.outputs?.predictionsCsv;
    if (csvName !== undefined) {
      spec({ params: { ...params, output: 'predictions-csv' }, claim: seed('004', `sub.to_csv('${csvName}', index=False)`), ...meta }, async (ctx) => {
        const { impl } = ctx;
        const { run, data } = await runOf(impl, bound, ctx);
        // The full tier reads back the file it kept; the fast tier the text it would write.
        const text =
          bound.data === 'full'
            ? await readFile(resolve(FULL_TIER_DIR, impl.name, `${bound.recipe}.${csvName}`), 'utf8')
            : predictionsCsv(data.yTest.data, run.predictions);
        const [header, ...rows] = text.replace(/\n$/, '').split('\n');
        expect(header).toBe(PREDICTIONS_CSV_HEADER);
        expect(rows).toHaveLength(data.yTest.shape[0]!);
        let agree = 0;
        rows.forEach((row, i) => {
          const [actual, predicted] = row.split(',').map(Number);
          if (actual !== data.yTest.data[i]) expect(`row ${i + 1}: ${row}`).toBe(`row ${i + 1}: ${data.yTest.data[i]},…`);
          if (predicted === actual) agree++;
        });
        ctx.record(
          { rows: rows.length, agreeing: agree / rows.length },
          `rows = ${data.yTest.shape[0]}, share agreeing = test accuracy ${run.record.test.accuracy}`,
        );
        expect(agree / rows.length).toBe(run.record.test.accuracy);
      });
    }
  }
}
