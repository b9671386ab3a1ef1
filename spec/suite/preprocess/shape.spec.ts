import fc from 'fast-check';
import { expect } from 'vitest';
import { ArgumentError } from '../../../src/errors.js';
import { flatten, reshape } from '../../../src/preprocess/index.js';
import { shapeString, sizeOf, tensor, type Tensor } from '../../../src/tensor.js';
import { contract, seed } from '../../../src/harness/claims.js';
import { thrown } from '../../support/errors.js';
import { suiteSpecs } from '../../../src/harness/spec.js';

const spec = suiteSpecs(import.meta.url);

// load_data()'s x_train shape; zeros are enough, shapes and offsets are what is under test.
const xTrain = tensor(new Uint8Array(60000 * 28 * 28), [60000, 28, 28]);

/** Row-major offset of a multi-index, computed independently of the code under test. */
function offset(shape: readonly number[], index: readonly number[]): number {
  return index.reduce((acc, i, axis) => acc * shape[axis]! + i, 0);
}

spec({ name: 'flatten:mnist-shape', claim: seed('000', '(60000, 784) (60000,)') }, ({ record }) => {
  const flat = flatten(xTrain);
  const printed = `${shapeString(flat.shape)} ${shapeString([60000])}`;
  record(printed);
  expect(printed).toBe('(60000, 784) (60000,)');
  expect(flat.data).toBe(xTrain.data); // a view, as numpy's reshape of a contiguous array
});

spec({ name: 'flatten:train-samples', claim: seed('001', 'x_train = x_train.reshape(60000, 784)') }, () => {
  const flat = flatten(xTrain);
  expect(flat.shape).toEqual([60000, 784]);
  expect(`${flat.shape[0]} train samples`).toBe('60000 train samples');
  expect(reshape(xTrain, [60000, 784]).shape).toEqual(flat.shape);
});

spec({ name: 'flatten:reshape-printed', claim: seed('003', 'x_train = x_train.reshape(60000, 784) x_train.shape (60000, 784)') }, () => {
  expect(shapeString(reshape(xTrain, [60000, 784]).shape)).toBe('(60000, 784)');
});

spec({ name: 'flatten:row-major', claim: seed('003', 'This puts all the training data into 2d') }, () => {
  const images = fc
    .tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }))
    .chain(([n, h, w]) => fc.uint8Array({ minLength: n * h * w, maxLength: n * h * w }).map((d) => tensor(d, [n, h, w])));
  fc.assert(
    fc.property(images, (x) => {
      const [n, h, w] = x.shape as [number, number, number];
      const flat = flatten(x);
      expect(flat.shape).toEqual([n, h * w]);
      for (let i = 0; i < n; i++)
        for (let r = 0; r < h; r++)
          for (let c = 0; c < w; c++) {
            // pixel (r, c) of image i is feature r * w + c of row i
            expect(flat.data[offset(flat.shape, [i, r * w + c])]).toBe(x.data[offset(x.shape, [i, r, c])]);
          }
    }),
    { numRuns: 60 },
  );
});

spec({ name: 'reshape:cnn-channel-axis', claim: seed('004', 'X_train.shape (60000, 28, 28, 1)') }, () => {
  const x = reshape(xTrain, [xTrain.shape[0]!, 28, 28, 1]);
  expect(shapeString(x.shape)).toBe('(60000, 28, 28, 1)');
  expect(x.data).toBe(xTrain.data); // a trailing channel of 1 moves no value
  expect(reshape(xTrain, [-1, 28, 28, 1]).shape).toEqual([60000, 28, 28, 1]);
});

spec({ name: 'reshape:wildcard', claim: contract('numpy.reshape documentation', 'One shape dimension can be -1.') }, () => {
  const shaped = fc
    .array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 })
    .chain((shape) => fc.tuple(fc.constant(shape), fc.nat({ max: shape.length - 1 })));
  fc.assert(
    fc.property(shaped, ([shape, wild]) => {
      const x = tensor(new Float32Array(sizeOf(shape)), [sizeOf(shape)]);
      const target = shape.map((d, i) => (i === wild ? -1 : d));
      expect(reshape(x, target).shape).toEqual(shape);
    }),
    { numRuns: 100 },
  );
});

spec(
  {
    name: 'reshape:refuses-bad-shape',
    claim: contract('src/errors.ts ArgumentError', 'A bad argument to a function or a CLI flag: names the argument.'),
  },
  () => {
    const sizes = fc.tuple(
      fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
      fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
    );
    fc.assert(
      fc.property(
        sizes.filter(([a, b]) => sizeOf(a) !== sizeOf(b)),
        ([from, to]) => {
          const x = tensor(new Uint8Array(sizeOf(from)), from);
          const e = thrown(() => reshape(x, to));
          expect(e).toBeInstanceOf(ArgumentError);
          expect((e as ArgumentError).argument).toBe('shape');
          expect((e as ArgumentError).message).toContain(`size ${sizeOf(from)}`);
        },
      ),
      { numRuns: 100 },
    );
    const x: Tensor = tensor(new Uint8Array(12), [12]);
    for (const bad of [
      [-1, -1],
      [5, -1],
      [-2, -6],
      [2.5, 4],
      [0, -1],
    ]) {
      expect(thrown(() => reshape(x, bad))).toMatchObject({ name: 'ArgumentError', argument: 'shape' });
    }
    expect(thrown(() => flatten(tensor(new Uint8Array(1), [])))).toMatchObject({ name: 'ArgumentError', argument: 'x' });
    expect(String(thrown(() => reshape(xTrain, [60000, 784, 2])))).toContain('cannot reshape tensor of size 47040000');
  },
);
