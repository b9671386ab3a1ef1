import { ArgumentError } from '../errors.js';
import { gatherRows, sliceRows, type Tensor, type TypedArray } from '../tensor.js';
import { Rng } from '../util/rng.js';

export interface XY<X extends TypedArray = TypedArray, Y extends TypedArray = TypedArray> {
  x: Tensor<X>;
  y: Tensor<Y>;
}

function rowsOf(x: Tensor, y: Tensor): number {
  const n = x.shape[0];
  if (n === undefined) throw new ArgumentError('x', 'needs a leading sample axis, got a scalar');
  if (y.shape[0] !== n) throw new ArgumentError('y', `has ${y.shape[0] ?? 'no'} samples but x has ${n}`);
  return n;
}

/**
 * Keras 2 `fit(..., validation_split=f)`: `split_at = int(len(x) * (1. - f))`. The same float64
 * arithmetic as Python, truncation included, so odd cases come out as Keras's do
 * (10 samples at 0.8: 10 * 0.19999999999999996 → 1 trained on, 9 validated on).
 */
export function validationSplitAt(n: number, fraction: number): number {
  if (!(fraction >= 0 && fraction < 1)) throw new ArgumentError('validationSplit', `must be in [0, 1), got ${fraction}`);
  return Math.trunc(n * (1 - fraction));
}

/**
 * Keras 2 validation_split: train = rows [0, split_at), validation = rows [split_at, n), taken before any
 * shuffling, so the validation set is always the last rows (seed 002: 60000 at 0.1 → 54000 / 6000).
 * Views, not copies. 0 gives an empty validation set; Keras ignores a fraction ≥ 1, we refuse it.
 */
export function validationSplit<X extends TypedArray, Y extends TypedArray>(x: Tensor<X>, y: Tensor<Y>, fraction: number): { train: XY<X, Y>; val: XY<X, Y> } {
  const n = rowsOf(x, y);
  const at = validationSplitAt(n, fraction);
  return {
    train: { x: sliceRows(x, 0, at), y: sliceRows(y, 0, at) },
    val: { x: sliceRows(x, at, n), y: sliceRows(y, at, n) },
  };
}

/** A seeded permutation of 0..n-1 (Fisher–Yates on the project's Rng): same Rng state, same order. */
export function shuffledIndices(n: number, rng: Rng): Uint32Array {
  if (!(Number.isInteger(n) && n >= 0)) throw new ArgumentError('n', `must be a non-negative integer, got ${n}`);
  return rng.permutation(n);
}

/**
 * x and y reordered by one seeded permutation, so every (x[i], y[i]) pair stays together (copies).
 * `indices[i]` is the original row now at position i.
 */
export function shuffle<X extends TypedArray, Y extends TypedArray>(x: Tensor<X>, y: Tensor<Y>, seed: number | Rng): XY<X, Y> & { indices: Uint32Array } {
  const indices = shuffledIndices(rowsOf(x, y), typeof seed === 'number' ? new Rng(seed) : seed);
  return { x: gatherRows(x, indices), y: gatherRows(y, indices), indices };
}
