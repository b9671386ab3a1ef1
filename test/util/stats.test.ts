import { describe, expect, it } from 'vitest';
import { calibratedBound, crossCheckThreshold, errorRate, fitCondition, placeAmong } from '../../src/recipes/error-rates.js';
import type { CalibrationRun } from '../../src/recipes/calibration.js';
import { formatProbability, mean, percentileOf, quantile, sampleSd, skewness, studentTCdf, studentTUpperTail, welchTTest } from '../../src/util/stats.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bound } from '../../src/recipes/bounds.js';
import type { CalibrationFile } from '../../src/recipes/calibration.js';

describe('Student t', () => {
  // Critical values from any t table (two-sided 5%, 1%, 0.2%, 0.02%): the upper tail at t(ν, 1 − α) is α.
  it.each([
    [12.706, 1, 0.025],
    [4.303, 2, 0.025],
    [2.776, 4, 0.025],
    [2.093, 19, 0.025],
    [2.861, 19, 0.005],
    [4.144, 10, 0.001],
    [13.034, 4, 0.0001],
    [3.883, 19, 0.0005],
  ])("P(T > %f | ν = %i) = %f to the table's 4 digits", (t, df, alpha) => {
    expect(studentTUpperTail(t, df)).toBeCloseTo(alpha, alpha < 0.001 ? 6 : 4);
    expect(studentTCdf(-t, df)).toBeCloseTo(alpha, alpha < 0.001 ? 6 : 4);
  });
  it('is symmetric, a half at 0, and tends to the normal tail as ν grows', () => {
    expect(studentTUpperTail(0, 7)).toBeCloseTo(0.5, 12);
    expect(studentTUpperTail(1.3, 9) + studentTUpperTail(-1.3, 9)).toBeCloseTo(1, 12);
    expect(studentTUpperTail(1.959964, 2000)).toBeCloseTo(0.025, 3);
    expect(studentTUpperTail(Infinity, 3)).toBe(0);
  });
  it('refuses a non-integer ν', () => {
    expect(() => studentTUpperTail(1, 2.5)).toThrow(RangeError);
  });
});

describe('sample statistics', () => {
  const xs = [2, 4, 4, 4, 5, 5, 7, 9];
  it('mean, sd (n − 1), skewness, type-7 quantile, mid-rank percentile', () => {
    expect(mean(xs)).toBe(5);
    expect(sampleSd(xs)).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(skewness([1, 2, 3])).toBe(0);
    expect(skewness([1, 1, 1, 10])).toBeGreaterThan(0);
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4, 5], 0.01)).toBeCloseTo(1.04, 12);
    expect(percentileOf(0, xs)).toBe(0);
    expect(percentileOf(4, xs)).toBe((100 * (1 + 1.5)) / 8);
    expect(percentileOf(10, xs)).toBe(100);
  });
  it("Welch's t-test: equal sizes and variances give the pooled t with 2n − 2 df; a constant pair is certain", () => {
    // means 3 and 5, variances 2.5 each: t = −2, df = 8, two-sided p = 0.0805 (any t table).
    const w = welchTTest([1, 2, 3, 4, 5], [3, 4, 5, 6, 7]);
    expect(w.t).toBeCloseTo(-2, 12);
    expect(w.df).toBe(8);
    expect(w.p).toBeCloseTo(0.0805, 4);
    // Unequal variances: the Welch–Satterthwaite df, rounded down, lies between the smaller n − 1 and n₁ + n₂ − 2.
    const u = welchTTest([1, 1.1, 0.9, 1.05, 0.95, 1], [1, 3, 5, -1, 2]);
    expect(u.df).toBeGreaterThanOrEqual(4);
    expect(u.df).toBeLessThanOrEqual(9);
    expect(welchTTest([2, 2], [2, 2]).p).toBe(1);
    expect(welchTTest([2, 2], [3, 3]).p).toBe(0);
  });
  it('formats probabilities for a line of text', () => {
    expect([formatProbability(3.2e-7), formatProbability(1e-13), formatProbability(0.0123), formatProbability(0.5)]).toEqual([
      '3e-7',
      '< 1e-12',
      '0.012',
      '0.5',
    ]);
  });
});

describe('error rates of a bound', () => {
  const runs = (accuracies: number[], loss = 0.3): CalibrationRun[] =>
    accuracies.map((accuracy, i) => ({
      seed: i + 1,
      accuracy,
      loss: loss + i * 0.001,
      saturatedWrongShare: 0.99,
      wallSeconds: 1,
      startedAt: '',
      loadAverage: 0,
    }));
  const twenty = runs(Array.from({ length: 20 }, (_, i) => 0.94 + 0.0005 * (i - 9.5)));
  it('is the Student-t prediction (n − 1 df, sd·√(1 + 1/n)) on the scale that gives the larger probability', () => {
    const fit = fitCondition(twenty, { quantity: 'accuracy', side: 'low', limit: 0.93 });
    const raw = fit.fits.find((f) => f.scale === 'raw')!;
    expect(raw.probability).toBeCloseTo(studentTUpperTail((raw.mean - 0.93) / (raw.sd * Math.sqrt(1 + 1 / 20)), 19), 15);
    expect(fit.fits.map((f) => f.scale)).toEqual(['raw', 'logit']);
    expect(fit.chosen.probability).toBe(Math.max(...fit.fits.map((f) => f.probability)));
    // Further from the runs, less likely; on the other side of them, nearly certain.
    expect(fitCondition(twenty, { quantity: 'accuracy', side: 'low', limit: 0.92 }).chosen.probability).toBeLessThan(fit.chosen.probability);
    expect(fitCondition(twenty, { quantity: 'accuracy', side: 'low', limit: 0.95 }).chosen.probability).toBeGreaterThan(0.99);
  });
  it('sums its conditions (a union bound)', () => {
    const nearChance = errorRate({ kind: 'near-chance', maxAccuracy: 0.3, minLoss: 0.085 }, runs([0.08, 0.09, 0.085, 0.095, 0.075], 0.092));
    expect(nearChance.conditions.map((c) => c.condition.quantity)).toEqual(['accuracy', 'loss']);
    expect(nearChance.probability).toBeCloseTo(nearChance.conditions[0]!.chosen.probability + nearChance.conditions[1]!.chosen.probability, 15);
    expect(nearChance.probability).toBeGreaterThan(0);
  });
  it('leaves out a scale the runs cannot be put on (a share of exactly 1 has no logit)', () => {
    const r = runs([0.5, 0.6, 0.7]).map((x, i) => ({ ...x, saturatedWrongShare: i === 0 ? 1 : 0.99 }));
    expect(fitCondition(r, { quantity: 'saturatedWrongShare', side: 'low', limit: 0.9 }).fits.map((f) => f.scale)).toEqual(['raw']);
  });
  it('places a value: its empirical percentile among the runs, and whether it is beyond the fitted 1% tail towards the bound', () => {
    const fit = fitCondition(twenty, { quantity: 'accuracy', side: 'low', limit: 0.9 });
    expect(placeAmong(0.94, twenty, fit)).toMatchObject({ percentile: 50, beyondTail: false });
    expect(placeAmong(0.9, twenty, fit)).toMatchObject({ percentile: 0, beyondTail: true });
    expect(fit.chosen.tail).toBeLessThan(fit.min);
    // A long tail: the run at 0.205 lies beyond the normal fit's 99th percentile, but a value a calibrated run reached is not warned about.
    const skewed = runs([...Array.from({ length: 19 }, (_, i) => 0.09 + 0.001 * i), 0.205]);
    const upper = fitCondition(skewed, { quantity: 'accuracy', side: 'high', limit: 0.3 });
    expect(upper.chosen.tail).toBeLessThan(0.205);
    expect(placeAmong(0.205, skewed, upper)).toMatchObject({ tail: 0.205, beyondTail: false });
    expect(placeAmong(0.21, skewed, upper).beyondTail).toBe(true);
    const high = fitCondition(twenty, { quantity: 'accuracy', side: 'high', limit: 0.99 });
    expect(placeAmong(0.98, twenty, high)).toMatchObject({ percentile: 100, beyondTail: true });
  });
  it('estimates from the calibrations with enough seeds, cross-checks the others against the largest, and places in it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'calibration-'));
    const file = (name: string, accuracies: number[]): void => {
      const f = {
        kind: 'mnist-spec/calibration',
        schemaVersion: 1,
        implementation: { name },
        data: { tier: 'embedded' },
        series: [{ recipe: '001', epochs: 5, runs: runs(accuracies) }],
      };
      writeFileSync(join(dir, `${name}-embedded.json`), JSON.stringify(f as unknown as CalibrationFile));
    };
    const bound: Bound = { recipe: '001', data: 'embedded', epochs: 5, outcome: { kind: 'learns', minAccuracy: 0.93 }, why: 'test' };
    file('same', [0.9395, 0.9405, 0.94, 0.9385, 0.9415, 0.94]);
    file('shifted', [0.95, 0.951, 0.9505, 0.9495, 0.9515, 0.95]);
    file('wide', [0.94, 0.9, 0.9405, 0.9395, 0.94, 0.941]);
    file(
      'primary',
      twenty.map((r) => r.accuracy),
    );
    const c = calibratedBound(bound, ['same', 'shifted', 'wide', 'primary'], dir);
    expect(c.estimating.map((x) => x.implementation)).toEqual(['primary']);
    expect(c.primary?.implementation).toBe('primary');
    expect(c.probability).toBe(c.primary!.rate.probability);
    const threshold = crossCheckThreshold(c.crossChecks);
    const verdict = Object.fromEntries(c.crossChecks.map((x) => [x.implementation, x.welch.p >= threshold && x.outlier.p >= threshold]));
    expect(verdict).toEqual({ same: true, shifted: false, wide: false });
    // A mean moved by 20 standard errors fails Welch; one seed far below the rest fails the outlier test (its mean alone would not).
    expect(c.crossChecks.find((x) => x.implementation === 'shifted')!.welch.p).toBeLessThan(threshold);
    const wide = c.crossChecks.find((x) => x.implementation === 'wide')!;
    expect(wide.outlier).toMatchObject({ seed: 2, value: 0.9 });
    expect(wide.outlier.p).toBeLessThan(threshold);
    expect(wide.welch.p).toBeGreaterThan(threshold);
    // Without a calibration of enough seeds, every one estimates (and the largest estimate counts).
    const few = calibratedBound(bound, ['same', 'shifted'], dir);
    expect(few.estimating).toHaveLength(2);
    expect(few.probability).toBe(Math.max(...few.calibrations.map((x) => x.rate.probability)));
  });
});
