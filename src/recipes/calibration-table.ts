import { formatProbability } from '../util/stats.js';
import { BOUNDS, CROSS_CHECK_ALPHA, describeOutcome, MAX_FALSE_FAILURE, MIN_CALIBRATION_SEEDS, MIN_CROSS_CHECK_SEEDS, type Bound } from './bounds.js';
import { calibratedBound, CROSS_CHECK_METHOD, crossCheckThreshold, ERROR_RATE_METHOD, limitAt, type CalibratedBound } from './error-rates.js';

/**
 * calibration/README.md, rendered from bounds.ts and the committed calibrations: per bound and calibrated
 * implementation, the seeds, the spread of each bounded quantity, the fitted 1% tail, the limit, and the estimated
 * probability that a correct implementation fails the bound. `npm run calibration:table` writes it; a test holds it
 * current.
 */
const f4 = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(4));

function rows(c: CalibratedBound): string[] {
  const b = c.bound;
  const head = `${b.recipe} | ${b.data} | ${b.epochs}`;
  if (!c.calibrations.length)
    return [
      `| ${head} | — | 0 | | | | | ${describeOutcome(b.outcome)} | not calibrated: ${b.calibration?.fewerSeeds ? 'fewer seeds, the bound says why' : 'no runs kept'} | |`,
    ];
  return c.calibrations.flatMap((cal) =>
    cal.rate.conditions.map((fit) => {
      const q = fit.condition;
      const op = q.side === 'low' ? '≥' : '≤';
      const tailName = q.side === 'low' ? 'p1' : 'p99';
      const skew = fit.fits.map((s) => `${s.scale} ${s.skewness.toFixed(2)}`).join(', ');
      const role = c.estimating.includes(cal) ? '' : ' (cross-check)';
      return `| ${head} | ${cal.implementation}${role} | ${fit.n} | ${q.quantity} | ${f4(fit.min)} / ${f4(fit.mean)} / ${f4(fit.max)} | ${tailName} ${f4(fit.chosen.tail)} (empirical ${f4(fit.empiricalTail)}) | ${skew} | ${q.quantity} ${op} ${q.limit} | ${formatProbability(fit.chosen.probability)} (${fit.chosen.scale}) | ${op} ${f4(limitAt(cal.runs, q.quantity, q.side, MAX_FALSE_FAILURE))} |`;
    }),
  );
}

export function calibrationTable(implementations: readonly string[], bounds: readonly Bound[] = BOUNDS): string {
  const all = bounds.map((b) => calibratedBound(b, implementations));
  const checks = all.flatMap((c) => c.crossChecks);
  const threshold = crossCheckThreshold(checks);
  const p = (x: number): string => (x >= 0.001 ? x.toFixed(3) : formatProbability(x));
  const out = [
    '# Calibration of the stochastic bounds',
    '',
    'Rendered by `npm run calibration:table` from `src/recipes/bounds.ts` and the runs kept here (`<implementation>-<data>.json` beside this file, written by',
    "`scripts/calibrate.ts`: every seed's test accuracy, loss and saturated share, with the implementation's version, backend, machine and wall",
    'time). Do not edit by hand.',
    '',
    `**Policy** (src/recipes/bounds.ts). A bound's error rate is estimated from ≥ ${MIN_CALIBRATION_SEEDS.embedded} seeds (embedded data; ≥ ${MIN_CALIBRATION_SEEDS.full} on the full set)`,
    `of one correct implementation — the largest estimate when several have that many. On embedded data the reference is run on ≥ ${MIN_CROSS_CHECK_SEEDS} seeds`,
    'as a cross-check that its distribution is the one estimated (below). A bound failed by a correct implementation with an estimated',
    `probability above ${MAX_FALSE_FAILURE} is moved to its \`limit at P = ${MAX_FALSE_FAILURE}\`, rounded outwards, or says why it stays.`,
    '',
    `**Method.** ${ERROR_RATE_METHOD}.`,
    'p1/p99: the fitted 1st (lower bound) or 99th (upper bound) percentile on the chosen scale, beside the empirical one. A passing value',
    'below it (above it) and below (above) every calibrated run is reported as a warning. Skewness per scale (0: symmetric; negative: a long low tail).',
    '',
    '## Per bound',
    '',
    '| bound | estimated probability that a correct implementation fails it | estimated from | cross-checked against |',
    '| --- | --- | --- | --- |',
    ...all.map((c) => {
      const seeds = (cs: typeof c.calibrations): string => cs.map((x) => `${x.implementation} × ${x.runs.length}`).join(', ') || '—';
      return `| ${c.bound.recipe}, ${c.bound.data}, ${c.bound.epochs} epoch(s): ${describeOutcome(c.bound.outcome)} | ${c.probability === undefined ? 'not calibrated' : formatProbability(c.probability)} | ${seeds(c.estimating)} | ${seeds(c.calibrations.filter((x) => !c.estimating.includes(x)))} |`;
    }),
    '',
    "## Cross-check: the reference's runs against the estimating runs",
    '',
    `${CROSS_CHECK_METHOD}: here p ≥ ${formatProbability(threshold)} (${CROSS_CHECK_ALPHA} over ${2 * checks.length} tests).`,
    '',
    '| recipe | data | epochs | runs | against | quantity | scale | Welch t (df) | Welch p | farthest seed (value) | outlier p | |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...all.flatMap((c) =>
      c.crossChecks.map((x) => {
        const ok = x.welch.p >= threshold && x.outlier.p >= threshold;
        return `| ${c.bound.recipe} | ${c.bound.data} | ${c.bound.epochs} | ${x.implementation} × ${x.n} | ${x.against} × ${c.primary!.runs.length} | ${x.quantity} | ${x.scale} | ${x.welch.t.toFixed(2)} (${x.welch.df}) | ${p(x.welch.p)} | ${x.outlier.seed} (${f4(x.outlier.value)}) | ${p(x.outlier.p)} | ${ok ? 'same' : '**DIFFERS**'} |`;
      }),
    ),
    '',
    '## Per condition',
    '',
    `| recipe | data | epochs | implementation | seeds | quantity | min / mean / max | 1% tail | skewness | limit | P(fail) (scale) | limit at P = ${MAX_FALSE_FAILURE} |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...all.flatMap(rows),
    '',
  ];
  return out.join('\n');
}
