/**
 * The little statistics the calibrated bounds need (src/recipes/error-rates.ts): sample moments, the empirical
 * percentile of a value among samples, and Student's t distribution for integer degrees of freedom — the
 * prediction of one more draw from a normal population known only through n samples. Exact closed forms
 * (Abramowitz & Stegun 26.7.3–4), so no numerical library is needed for them.
 */

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('mean of no values');
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1 in the denominator). */
export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) throw new RangeError('a standard deviation needs at least two values');
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Sample skewness (the adjusted Fisher–Pearson G1): 0 for a symmetric sample, negative for a long left tail. */
export function skewness(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 3) throw new RangeError('a skewness needs at least three values');
  const m = mean(xs);
  const m2 = xs.reduce((a, x) => a + (x - m) ** 2, 0) / n;
  const m3 = xs.reduce((a, x) => a + (x - m) ** 3, 0) / n;
  if (m2 === 0) return 0;
  return (Math.sqrt(n * (n - 1)) / (n - 2)) * (m3 / m2 ** 1.5);
}

/** The q-quantile (0 ≤ q ≤ 1) of samples by linear interpolation between order statistics (R's type 7, numpy's default). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) throw new RangeError('quantile of no values');
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]!) - s[lo]!);
}

/** Where a value falls among samples, in percent: the share below it, ties counted half (0: below all; 100: above all). */
export function percentileOf(value: number, xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('percentile among no values');
  const below = xs.filter((x) => x < value).length;
  const equal = xs.filter((x) => x === value).length;
  return (100 * (below + equal / 2)) / xs.length;
}

/**
 * P(T > t) for Student's t with `df` (a positive integer) degrees of freedom. A&S 26.7.3/26.7.4 give
 * A(t|ν) = P(|T| ≤ t) as a finite series in θ = atan(t/√ν); the upper tail is (1 − A)/2, accurate to about 1e-16
 * absolute, i.e. meaningful down to tails of ~1e-14.
 */
export function studentTUpperTail(t: number, df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`Student t needs a positive integer df, got ${df}`);
  if (Number.isNaN(t)) return NaN;
  if (t < 0) return 1 - studentTUpperTail(-t, df);
  if (t === Infinity) return 0;
  const theta = Math.atan(t / Math.sqrt(df));
  const c2 = Math.cos(theta) ** 2;
  const s = Math.sin(theta);
  let a: number;
  if (df % 2 === 1) {
    // (2/π)[θ + sinθ cosθ (1 + (2/3)cos²θ + (2·4)/(3·5)cos⁴θ + … up to cos^(ν−3)θ)]
    let term = 1;
    let sum = df > 1 ? 1 : 0;
    for (let k = 1; 2 * k + 1 <= df - 2; k++) {
      term *= ((2 * k) / (2 * k + 1)) * c2;
      sum += term;
    }
    a = (2 / Math.PI) * (theta + s * Math.cos(theta) * sum);
  } else {
    // sinθ (1 + (1/2)cos²θ + (1·3)/(2·4)cos⁴θ + … up to cos^(ν−2)θ)
    let term = 1;
    let sum = 1;
    for (let k = 1; 2 * k <= df - 2; k++) {
      term *= ((2 * k - 1) / (2 * k)) * c2;
      sum += term;
    }
    a = s * sum;
  }
  return Math.max(0, (1 - a) / 2);
}

/** P(T ≤ t) for Student's t with integer df. */
export function studentTCdf(t: number, df: number): number {
  return 1 - studentTUpperTail(t, df);
}

/** The standard normal's 1st percentile, Φ⁻¹(0.01). */
export const Z_01 = -2.3263478740408408;

/** A probability for a line of text: `3e-7`, `< 1e-12`, `0.05`. */
export function formatProbability(p: number): string {
  if (p < 1e-12) return '< 1e-12';
  if (p >= 0.01) return String(Number(p.toPrecision(2)));
  return p.toExponential(0).replace(/e-0*/, 'e-');
}

/**
 * Welch's two-sample t-test of equal means (unequal variances): the two-sided p-value, with the Welch–Satterthwaite
 * degrees of freedom rounded down to an integer (studentTUpperTail's domain), which only makes the test more lenient.
 */
export function welchTTest(a: readonly number[], b: readonly number[]): { t: number; df: number; p: number } {
  const va = sampleSd(a) ** 2 / a.length;
  const vb = sampleSd(b) ** 2 / b.length;
  const diff = mean(a) - mean(b);
  if (va + vb === 0) return { t: diff === 0 ? 0 : Math.sign(diff) * Infinity, df: a.length + b.length - 2, p: diff === 0 ? 1 : 0 };
  const t = diff / Math.sqrt(va + vb);
  const df = Math.max(1, Math.floor((va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1))));
  return { t, df, p: Math.min(1, 2 * studentTUpperTail(Math.abs(t), df)) };
}
