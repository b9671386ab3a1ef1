import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { theOneWithRole, withRole } from '../src/impl/registry.js';
import { BOUNDS, CROSS_CHECK_ALPHA, MAX_FALSE_FAILURE, MIN_CALIBRATION_SEEDS, MIN_CROSS_CHECK_SEEDS } from '../src/recipes/bounds.js';
import { CALIBRATION_DIR, readCalibration } from '../src/recipes/calibration.js';
import { calibrationTable } from '../src/recipes/calibration-table.js';
import { calibratedBound, crossCheckThreshold } from '../src/recipes/error-rates.js';

// The stochastic bounds against their calibration (calibration/*.json, scripts/calibrate.ts): enough seeds, an
// estimated false-failure probability no higher than the suite allows, and the rendered table current.
const REFERENCE = theOneWithRole('reference');
const CALIBRATED = [...new Set([REFERENCE, ...withRole('full-tier-trainer')])];
const label = (b: (typeof BOUNDS)[number]): string => `${b.recipe} on ${b.data} data, ${b.epochs} epoch(s)`;

describe('calibrated bounds', () => {
  it('every calibration file is one implementation on one data tier, every seed once, every value a finite measurement', () => {
    for (const impl of CALIBRATED)
      for (const data of ['embedded', 'full'] as const) {
        const file = readCalibration(impl, data);
        if (!file) continue;
        expect(file.implementation.name).toBe(impl);
        expect(file.data.tier).toBe(data);
        for (const s of file.series) {
          expect(new Set(s.runs.map((r) => r.seed)).size, `${impl}-${data} ${s.recipe}: a seed twice`).toBe(s.runs.length);
          for (const r of s.runs) {
            expect(r.accuracy).toBeGreaterThanOrEqual(0);
            expect(r.accuracy).toBeLessThanOrEqual(1);
            expect(Number.isFinite(r.loss) && r.loss >= 0).toBe(true);
          }
        }
      }
  });

  it(`every bound's error rate rests on ≥ ${MIN_CALIBRATION_SEEDS.embedded} seeds of one implementation on embedded data (≥ ${MIN_CALIBRATION_SEEDS.full} on the full set), or says why not`, () => {
    const short: string[] = [];
    for (const b of BOUNDS) {
      const c = calibratedBound(b, CALIBRATED);
      const seeds = c.primary?.runs.length ?? 0;
      if (seeds < MIN_CALIBRATION_SEEDS[b.data] && !b.calibration?.fewerSeeds)
        short.push(`${label(b)}: ${c.primary ? `${c.primary.implementation} × ${seeds}` : 'no calibration'}`);
    }
    expect(short, 'bounds calibrated on too few seeds, without a reason (Bound.calibration.fewerSeeds)').toEqual([]);
  });

  it(`every embedded bound is also run on ≥ ${MIN_CROSS_CHECK_SEEDS} seeds of the reference (${REFERENCE}), or says why not`, () => {
    const short = BOUNDS.filter((b) => b.data === 'embedded')
      .map((b) => ({ b, seeds: calibratedBound(b, CALIBRATED).calibrations.find((c) => c.implementation === REFERENCE)?.runs.length ?? 0 }))
      .filter(({ b, seeds }) => seeds < MIN_CROSS_CHECK_SEEDS && !b.calibration?.fewerSeeds)
      .map(({ b, seeds }) => `${label(b)}: ${REFERENCE} × ${seeds}`);
    expect(short).toEqual([]);
  });

  it(`the reference's runs come from the distribution the error rates are estimated from (Welch and outlier tests, family-wise α = ${CROSS_CHECK_ALPHA})`, () => {
    const all = BOUNDS.map((b) => calibratedBound(b, CALIBRATED));
    const checks = all.flatMap((c) => c.crossChecks);
    const threshold = crossCheckThreshold(checks);
    // Every embedded bound with a reference calibration is cross-checked, on every quantity it bounds.
    for (const c of all.filter(
      (x) => x.bound.data === 'embedded' && x.calibrations.some((y) => y.implementation === REFERENCE) && x.primary?.implementation !== REFERENCE,
    )) {
      const quantities = new Set(c.primary!.rate.conditions.map((f) => f.condition.quantity));
      expect(
        c.crossChecks
          .filter((x) => x.implementation === REFERENCE)
          .map((x) => x.quantity)
          .sort(),
        label(c.bound),
      ).toEqual([...quantities].sort());
    }
    const differ = checks
      .filter((x) => x.welch.p < threshold || x.outlier.p < threshold)
      .map(
        (x) => `${x.implementation} vs ${x.against}, ${x.quantity}: Welch p ${x.welch.p}, seed ${x.outlier.seed} (${x.outlier.value}) outlier p ${x.outlier.p}`,
      );
    expect(differ, `p below ${threshold}: the calibrations disagree — a finding, not a reason to drop one`).toEqual([]);
  });

  it(`no calibrated bound fails a correct implementation with an estimated probability above ${MAX_FALSE_FAILURE}, unless it says why`, () => {
    const above = BOUNDS.map((b) => ({ b, p: calibratedBound(b, CALIBRATED).probability }))
      .filter(({ b, p }) => p !== undefined && p > MAX_FALSE_FAILURE && !b.calibration?.acceptedFalseFailure)
      .map(({ b, p }) => `${label(b)}: ${p}`);
    expect(above, 'move these bounds (and write why beside them), or state why the probability is accepted').toEqual([]);
  });

  it('every embedded bound has a distribution the outcome specs place a value in, whose 1% tail lies between the bound and the runs (a warning band exists)', () => {
    for (const b of BOUNDS.filter((x) => x.data === 'embedded')) {
      const primary = calibratedBound(b, CALIBRATED).primary;
      expect(primary, label(b)).toBeDefined();
      for (const fit of primary!.rate.conditions) {
        const { side, limit } = fit.condition;
        const [low, high] = side === 'low' ? [limit, fit.mean] : [fit.mean, limit];
        expect(fit.chosen.tail, `${label(b)} ${fit.condition.quantity}`).toBeGreaterThan(low);
        expect(fit.chosen.tail, `${label(b)} ${fit.condition.quantity}`).toBeLessThan(high);
      }
    }
  });

  it('calibration/README.md is the table the bounds and the runs give today', () => {
    expect(readFileSync(join(CALIBRATION_DIR, 'README.md'), 'utf8'), 'calibration/README.md is stale: run `npm run calibration:table`').toBe(
      calibrationTable(CALIBRATED),
    );
  });
});
