import { ArgumentError } from '../errors.js';
import type { Rng } from '../util/rng.js';
import { shuffledIndices } from './split.js';

function checkBatchSize(batchSize: number): void {
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new ArgumentError('batchSize', `must be a positive integer, got ${batchSize}`);
}

/**
 * Keras `make_batches(size, batch_size)`: ceil(n / batchSize) half-open ranges [start, end), all full
 * but the last (60000 at 128: 468 of 128 and one of 96). None for n = 0.
 */
export function batchRanges(n: number, batchSize: number): [start: number, end: number][] {
  checkBatchSize(batchSize);
  if (!(Number.isInteger(n) && n >= 0)) throw new ArgumentError('n', `must be a non-negative integer, got ${n}`);
  const out: [number, number][] = [];
  for (let start = 0; start < n; start += batchSize) out.push([start, Math.min(n, start + batchSize)]);
  return out;
}

/**
 * One epoch's order, as Keras's fit loop builds it: `index_array = np.arange(n)`, shuffled each epoch when
 * shuffle=True. Pass the run's Rng to shuffle (a fresh permutation per epoch; Keras reshuffles its array
 * in place, which is just as uniform — numpy's stream cannot be reproduced anyway), or none for 0..n-1.
 */
export function epochIndices(n: number, rng?: Rng): Uint32Array {
  if (rng) return shuffledIndices(n, rng);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/**
 * The epoch's batches: `index_array[start:end]` for each make_batches range, as views of `indices`.
 * Checked now, not at the first `next()` as a generator body alone would be.
 */
export function batches(indices: Uint32Array, batchSize: number): Generator<Uint32Array, void, undefined> {
  const ranges = batchRanges(indices.length, batchSize);
  return (function* () {
    for (const [start, end] of ranges) yield indices.subarray(start, end);
  })();
}
