import fc from 'fast-check';
import { expect } from 'vitest';
import { ArgumentError } from '../../../src/errors.js';
import { batchRanges, batches, epochIndices, shuffle, shuffledIndices, toCategorical, validationSplit } from '../../../src/preprocess/index.js';
import { tensor, type Tensor } from '../../../src/tensor.js';
import { Rng } from '../../../src/util/rng.js';
import { contract, keras, seed } from '../../../src/harness/claims.js';
import { thrown } from '../../support/errors.js';
import { suiteSpecs } from '../../../src/harness/spec.js';

const spec = suiteSpecs(import.meta.url);

/** n samples whose every value is the sample's row number: x rows of 3, y rows of 2. */
function tagged(n: number): { x: Tensor<Int32Array>; y: Tensor<Float32Array> } {
  return {
    x: tensor(
      Int32Array.from({ length: n * 3 }, (_, i) => Math.floor(i / 3)),
      [n, 3],
    ),
    y: tensor(
      Float32Array.from({ length: n * 2 }, (_, i) => Math.floor(i / 2)),
      [n, 2],
    ),
  };
}
const rowIds = (t: Tensor, width: number): number[] => Array.from({ length: t.shape[0]! }, (_, r) => t.data[r * width]!);

const splitClaim = keras('keras/engine/training.py fit', 'split_at = int(len(x[0]) * (1. - validation_split))');

spec({ name: 'validation-split:seed-002', claim: seed('002', 'Train on 54000 samples, validate on 6000 samples') }, ({ record }) => {
  const x = tensor(new Uint8Array(60000 * 784), [60000, 784]);
  const y = toCategorical(new Uint8Array(60000), 10);
  const { train, val } = validationSplit(x, y, 0.1);
  const printed = `Train on ${train.x.shape[0]} samples, validate on ${val.x.shape[0]} samples`;
  record(printed);
  expect(printed).toBe('Train on 54000 samples, validate on 6000 samples');
  expect([train.y.shape, val.y.shape]).toEqual([
    [54000, 10],
    [6000, 10],
  ]);
  expect(train.x.data.buffer).toBe(x.data.buffer); // views, no copy
});

spec({ name: 'validation-split:keras-formula', claim: splitClaim }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, f) => {
      const { x, y } = tagged(n);
      const { train, val } = validationSplit(x, y, f);
      const at = Math.trunc(n * (1 - f)); // Python's int() of the same float64 product
      expect(train.x.shape[0]).toBe(at);
      expect(val.x.shape[0]).toBe(n - at);
      // train is rows 0..at-1 and val rows at..n-1, in order: disjoint, covering, order-preserving
      const ids = [...rowIds(train.x, 3), ...rowIds(val.x, 3)];
      expect(ids).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(rowIds(train.y, 2)).toEqual(rowIds(train.x, 3));
      expect(rowIds(val.y, 2)).toEqual(rowIds(val.x, 3));
    }),
    { numRuns: 150 },
  );
});

spec({ name: 'validation-split:float64-truncation', claim: splitClaim }, () => {
  // 1 - 0.8 is 0.19999999999999996 in float64, so Keras trains on int(1.9999999999999996) = 1 of 10.
  const { x, y } = tagged(10);
  const { train, val } = validationSplit(x, y, 0.8);
  expect([train.x.shape[0], val.x.shape[0]]).toEqual([1, 9]);
  expect(validationSplit(x, y, 0).val.x.shape[0]).toBe(0);
});

spec(
  {
    name: 'validation-split:last-rows-before-shuffling',
    claim: keras('keras/engine/training.py fit', 'The validation data is selected from the last samples in the `x` and `y` data provided, before shuffling.'),
  },
  () => {
    const { x, y } = tagged(100);
    const shuffled = shuffle(x, y, 7);
    // Splitting takes the last rows of whatever order it is given; it never draws from the Rng.
    expect(rowIds(validationSplit(x, y, 0.25).val.x, 3)).toEqual([...Array(25).keys()].map((i) => 75 + i));
    expect(rowIds(validationSplit(shuffled.x, shuffled.y, 0.25).val.x, 3)).toEqual(Array.from(shuffled.indices.subarray(75)));
  },
);

spec(
  { name: 'validation-split:refuses', claim: contract('src/errors.ts ArgumentError', 'A bad argument to a function or a CLI flag: names the argument.') },
  () => {
    const { x, y } = tagged(10);
    for (const f of [-0.1, 1, 1.5, NaN]) expect(thrown(() => validationSplit(x, y, f))).toMatchObject({ name: 'ArgumentError', argument: 'validationSplit' });
    expect(thrown(() => validationSplit(x, tagged(9).y, 0.1))).toMatchObject({ name: 'ArgumentError', argument: 'y' });
    expect(thrown(() => shuffle(x, tagged(11).y, 1))).toBeInstanceOf(ArgumentError);
  },
);

spec(
  {
    name: 'shuffle:seeded-permutation',
    claim: contract('src/util/rng.ts Rng', 'so a seed names one run exactly, in every implementation that uses it.'),
  },
  () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n, s) => {
        const { x, y } = tagged(n);
        const a = shuffle(x, y, s);
        expect([...a.indices].sort((p, q) => p - q)).toEqual([...Array(n).keys()]); // a permutation
        expect(rowIds(a.x, 3)).toEqual(Array.from(a.indices)); // x row i is original row indices[i] ...
        expect(rowIds(a.y, 2)).toEqual(Array.from(a.indices)); // ... and so is y row i: pairs stay aligned
        const b = shuffle(x, y, s);
        expect(Array.from(b.x.data)).toEqual(Array.from(a.x.data)); // same seed, same order
        expect(Array.from(shuffledIndices(n, new Rng(s)))).toEqual(Array.from(a.indices));
      }),
      { numRuns: 100 },
    );
    const { x, y } = tagged(100);
    expect(Array.from(shuffle(x, y, 1).indices)).not.toEqual(Array.from(shuffle(x, y, 2).indices));
    const rng = new Rng(3); // one Rng shuffling twice moves on: each epoch its own order
    expect(Array.from(shuffle(x, y, rng).indices)).not.toEqual(Array.from(shuffle(x, y, rng).indices));
  },
);

spec(
  { name: 'batches:make-batches', claim: keras('keras/engine/training_utils.py make_batches', 'Returns a list of batch indices (tuples of indices).') },
  () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 300 }), fc.option(fc.integer(), { nil: undefined }), (n, bs, s) => {
        const ranges = batchRanges(n, bs);
        expect(ranges.length).toBe(Math.ceil(n / bs));
        ranges.forEach(([start, end], i) => expect([start, end]).toEqual([i * bs, Math.min(n, (i + 1) * bs)]));
        const order = epochIndices(n, s === undefined ? undefined : new Rng(s));
        if (s === undefined) expect(Array.from(order)).toEqual([...Array(n).keys()]); // shuffle=False: np.arange(n)
        const seen = new Uint8Array(n);
        const sizes: number[] = [];
        for (const batch of batches(order, bs)) {
          sizes.push(batch.length);
          for (const i of batch) seen[i]!++;
        }
        expect(sizes).toEqual(ranges.map(([start, end]) => end - start));
        expect(seen.every((c) => c === 1)).toBe(true); // every sample exactly once per epoch
      }),
      { numRuns: 150 },
    );
  },
);

spec({ name: 'batches:seed-004-progress', claim: seed('004', '1152/60000 [') }, ({ record }) => {
  // Keras's progress bar counts samples at batch ends: 1152 is the end of the 9th batch of 128.
  const ranges = batchRanges(60000, 128);
  record({ batches: ranges.length, ninthEnd: ranges[8]![1], last: ranges.at(-1) });
  expect(`${ranges[8]![1]}/60000 [`).toBe('1152/60000 [');
  expect(ranges.length).toBe(469);
  expect(ranges.at(-1)).toEqual([59904, 60000]); // 468 full batches and one of 96
});

spec({ name: 'batches:refuses', claim: contract('src/errors.ts ArgumentError', 'A bad argument to a function or a CLI flag: names the argument.') }, () => {
  for (const bs of [0, -1, 1.5, NaN]) {
    expect(thrown(() => batchRanges(10, bs))).toMatchObject({ name: 'ArgumentError', argument: 'batchSize' });
    expect(thrown(() => batches(new Uint32Array(10), bs))).toMatchObject({ name: 'ArgumentError', argument: 'batchSize' }); // at the call, not the first next()
  }
  expect(thrown(() => batchRanges(-1, 32))).toMatchObject({ name: 'ArgumentError', argument: 'n' });
  expect(batchRanges(0, 32)).toEqual([]);
});
