import { ArgumentError } from '../errors.js';

/**
 * Parsers of numeric flag values. Strict decimal only: `Number()` would take `0x1F` as 31, `1e20` as an
 * integer Rng cannot hold, `Infinity` and ` 5 ` as numbers; each of those is a usage error naming the flag.
 */
const DECIMAL_INT = /^(?:0|[1-9]\d*)$/;
const DECIMAL = /^(?:0|[1-9]\d*)(?:\.\d+)?$|^0?\.\d+$/;

/** A whole number in [min, max], written in decimal digits. */
export const integerArg =
  (name: string, min: number, max: number) =>
  (v: string): number => {
    const n = Number(v);
    if (!DECIMAL_INT.test(v) || !(n >= min && n <= max))
      throw new ArgumentError(name, `must be a whole number from ${min} to ${max} in decimal digits, got "${v}"`);
    return n;
  };

/** A number > 0 and ≤ max (e.g. seconds), written in decimal (`30`, `2.5`). */
export const positiveArg =
  (name: string, max: number) =>
  (v: string): number => {
    const n = Number(v);
    if (!DECIMAL.test(v) || !(n > 0 && n <= max)) throw new ArgumentError(name, `must be a positive decimal number up to ${max}, got "${v}"`);
    return n;
  };

/** Seeds: what Rng distinguishes (it keeps the low 32 bits). */
export const MAX_SEED = 2 ** 32 - 1;
/** Epochs: seed 000 trains 100; 10,000 is beyond any notebook and catches a typo before days of training. */
export const MAX_EPOCHS = 10_000;
/** A day: longer per-spec timeouts or grace are typos. */
export const MAX_SECONDS = 86_400;
