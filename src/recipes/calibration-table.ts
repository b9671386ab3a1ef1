import { formatProbability } from '../util/stats.js';
import { BOUNDS, describeOutcome, MAX_FALSE_FAILURE, type Bound } from './bounds.js';
import { calibratedBound, ERROR_RATE_METHOD, limitAt, type CalibratedBound } from './error-rates.js';

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
  if (!c.calibrations.length) return [`| ${head} | — | 0 | | | | | ${describeOutcome(b.outcome)} | not calibrated (seeds named in bounds.ts only) | |`];
  return c.calibrations.flatMap((cal) =>
    cal.rate.conditions.map((fit) => {
      const q = fit.condition;
      const op = q.side === 'low' ? '≥' : '≤';
      const tailName = q.side === 'low' ? 'p1' : 'p99';
      const skew = fit.fits.map((s) => `${s.scale} ${s.skewness.toFixed(2)}`).join(', ');
      return `| ${head} | ${cal.implementation} | ${fit.n} | ${q.quantity} | ${f4(fit.min)} / ${f4(fit.mean)} / ${f4(fit.max)} | ${tailName} ${f4(fit.chosen.tail)} (empirical ${f4(fit.empiricalTail)}) | ${skew} | ${q.quantity} ${op} ${q.limit} | ${formatProbability(fit.chosen.probability)} (${fit.chosen.scale}) | ${op} ${f4(limitAt(cal.runs, q.quantity, q.side, MAX_FALSE_FAILURE))} |`;
    }),
  );
}

export function calibrationTable(implementations: readonly string[], bounds: readonly Bound[] = BOUNDS): string {
  const all = bounds.map((b) => calibratedBound(b, implementations));
  const out = [
    '# Calibration of the stochastic bounds',
    '',
    'Rendered by `npm run calibration:table` from `src/recipes/bounds.ts` and the runs kept here (`<implementation>-<data>.json` beside this file, written by',
    '`scripts/calibrate.ts`: every seed\'s test accuracy, loss and saturated share, with the implementation\'s version, backend, machine and wall',
    'time). Do not edit by hand.',
    '',
    `**Method.** ${ERROR_RATE_METHOD}. A bound's probability is the largest over the calibrated implementations (each is a correct one).`,
    'p1/p99: the fitted 1st (lower bound) or 99th (upper bound) percentile on the chosen scale — the line below which (above which) a',
    'passing value is reported as a warning — beside the empirical one. Skewness per scale (0: symmetric; negative: a long low tail).',
    '',
    '## Per bound',
    '',
    '| bound | estimated probability that a correct implementation fails it | calibrated on |',
    '| --- | --- | --- |',
    ...all.map((c) => `| ${c.bound.recipe}, ${c.bound.data}, ${c.bound.epochs} epoch(s): ${describeOutcome(c.bound.outcome)} | ${c.probability === undefined ? 'not calibrated' : formatProbability(c.probability)} | ${c.calibrations.map((x) => `${x.implementation} × ${x.runs.length}`).join(', ') || '—'} |`),
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
