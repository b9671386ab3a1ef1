import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { theOneWithRole, withRole } from '../src/impl/registry.js';
import { BOUNDS, MAX_FALSE_FAILURE, MIN_CALIBRATION_SEEDS } from '../src/recipes/bounds.js';
import { CALIBRATION_DIR, readCalibration } from '../src/recipes/calibration.js';
import { calibrationTable } from '../src/recipes/calibration-table.js';
import { calibratedBound } from '../src/recipes/error-rates.js';

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

  it(`every embedded bound is calibrated on ≥ ${MIN_CALIBRATION_SEEDS.embedded} seeds of the reference and of the full-tier trainer; every full one on ≥ ${MIN_CALIBRATION_SEEDS.full}, or says why not`, () => {
    const short: string[] = [];
    for (const b of BOUNDS) {
      const c = calibratedBound(b, CALIBRATED);
      const needed = b.data === 'embedded' ? CALIBRATED : c.calibrations.length ? [c.calibrations[0]!.implementation] : [];
      const seeds = needed.map((impl) => c.calibrations.find((x) => x.implementation === impl)?.runs.length ?? 0);
      if ((!seeds.length || Math.min(...seeds) < MIN_CALIBRATION_SEEDS[b.data]) && !b.calibration?.fewerSeeds) short.push(`${label(b)}: ${needed.join(', ') || 'no calibration'} ${seeds.join(', ')}`);
    }
    expect(short, 'bounds calibrated on too few seeds, without a reason (Bound.calibration.fewerSeeds)').toEqual([]);
  });

  it(`no calibrated bound fails a correct implementation with an estimated probability above ${MAX_FALSE_FAILURE}, unless it says why`, () => {
    const above = BOUNDS.map((b) => ({ b, p: calibratedBound(b, CALIBRATED).probability }))
      .filter(({ b, p }) => p !== undefined && p > MAX_FALSE_FAILURE && !b.calibration?.acceptedFalseFailure)
      .map(({ b, p }) => `${label(b)}: ${p}`);
    expect(above, 'move these bounds (and write why beside them), or state why the probability is accepted').toEqual([]);
  });

  it('calibration/README.md is the table the bounds and the runs give today', () => {
    expect(readFileSync(join(CALIBRATION_DIR, 'README.md'), 'utf8'), 'calibration/README.md is stale: run `npm run calibration:table`').toBe(calibrationTable(CALIBRATED));
  });
});
