import fc from 'fast-check';
import { expect } from 'vitest';
import { ArgumentError } from '../../../src/errors.js';
import { argmax, predictClasses, toCategorical } from '../../../src/preprocess/index.js';
import { dtypeOf, tensor, type F32Tensor } from '../../../src/tensor.js';
import { contract, keras, seed } from '../../../src/harness/claims.js';
import { thrown } from '../../support/errors.js';
import { suiteSpecs } from '../../../src/harness/spec.js';

const spec = suiteSpecs(import.meta.url);

/** numpy's repr of a 1-D float32 array of whole numbers: `array([0., 1.], dtype=float32)`. */
const numpyRepr = (row: Float32Array, dtype: string): string => `array([${Array.from(row, (v) => `${v}.`).join(', ')}], dtype=${dtype})`;
/** numpy's str of the same: `[0. 1.]`. */
const numpyStr = (row: Float32Array): string => `[${Array.from(row, (v) => `${v}.`).join(' ')}]`;

const labelsAndClasses = fc
  .integer({ min: 1, max: 12 })
  .chain((k) => fc.tuple(fc.constant(k), fc.array(fc.integer({ min: 0, max: k - 1 }), { maxLength: 40 })));

spec(
  { name: 'to-categorical:round-trip', claim: keras('keras/utils/np_utils.py to_categorical', 'Converts a class vector (integers) to binary class matrix.') },
  () => {
    fc.assert(
      fc.property(labelsAndClasses, ([k, labels]) => {
        const y = toCategorical(Uint8Array.from(labels), k);
        expect(dtypeOf(y)).toBe('float32');
        expect(y.shape).toEqual([labels.length, k]);
        for (let i = 0; i < labels.length; i++) {
          const row = y.data.subarray(i * k, (i + 1) * k);
          expect(row.reduce((a, b) => a + b, 0)).toBe(1);
          expect(row.every((v) => v === 0 || v === 1)).toBe(true);
        }
        expect(Array.from(argmax(y))).toEqual(labels);
      }),
      { numRuns: 150 },
    );
  },
);

spec({ name: 'to-categorical:y-train-0', claim: seed('003', 'array([0., 0., 0., 0., 0., 1., 0., 0., 0., 0.], dtype=float32)') }, ({ record }) => {
  // seed 003: y_train[0] is 5; to_categorical(y_train, 10)[0]
  const y = toCategorical(tensor(Uint8Array.of(5, 0, 4), [3]), 10);
  const printed = numpyRepr(y.data.subarray(0, 10), dtypeOf(y));
  record(printed);
  expect(printed).toBe('array([0., 0., 0., 0., 0., 1., 0., 0., 0., 0.], dtype=float32)');
});

spec({ name: 'to-categorical:y-train-2', claim: seed('004', 'Example of a y label convereted to ohe: [0. 0. 0. 0. 1. 0. 0. 0. 0. 0.]') }, ({ record }) => {
  // MNIST's y_train begins 5, 0, 4: seed 004 prints the one-hot of y_train[2] = 4
  const y = toCategorical(tensor(Uint8Array.of(5, 0, 4), [3]), 10);
  const printed = numpyStr(y.data.subarray(20, 30));
  record(printed);
  expect(printed).toBe('[0. 0. 0. 0. 1. 0. 0. 0. 0. 0.]');
});

spec({ name: 'to-categorical:infer-num-classes', claim: keras('keras/utils/np_utils.py to_categorical', 'num_classes = np.max(y) + 1') }, () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 40 }), (labels) => {
      const k = Math.max(...labels) + 1;
      const y = toCategorical(labels);
      expect(y.shape).toEqual([labels.length, k]);
      expect(Array.from(y.data)).toEqual(Array.from(toCategorical(labels, k).data));
    }),
    { numRuns: 100 },
  );
});

spec(
  {
    name: 'to-categorical:shape',
    claim: keras('keras/utils/np_utils.py to_categorical', 'if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:'),
  },
  () => {
    expect(toCategorical(tensor(Uint8Array.of(1, 2, 0), [3, 1]), 4).shape).toEqual([3, 4]); // column vector: trailing 1 dropped
    expect(toCategorical(tensor(Int32Array.of(1, 2, 0, 3), [2, 2]), 4).shape).toEqual([2, 2, 4]);
    expect(toCategorical(tensor(Uint8Array.of(3), [1]), 5).shape).toEqual([1, 5]);
    expect(toCategorical([], 10).shape).toEqual([0, 10]);
  },
);

spec(
  {
    name: 'to-categorical:refuses-bad-labels',
    claim: contract(
      'src/preprocess/labels.ts toCategorical',
      'Where Keras would quietly do something else, we throw ArgumentError naming the first offending label',
    ),
  },
  () => {
    const bad = fc.oneof(
      fc.integer({ min: -1000, max: -1 }), // numpy would wrap these to the last classes
      fc.integer({ min: 10, max: 1000 }), // >= numClasses
      fc.double({ min: -50, max: 50, noNaN: true }).filter((v) => !Number.isInteger(Math.fround(v))), // Keras truncates
      fc.constantFrom(NaN, Infinity, -Infinity),
    );
    const good = fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 20 });
    fc.assert(
      fc.property(good, bad, good, bad, (before, first, between, second) => {
        const labels = Float32Array.from([...before, first, ...between, second]);
        const e = thrown(() => toCategorical(tensor(labels, [labels.length]), 10));
        expect(e).toBeInstanceOf(ArgumentError);
        expect((e as ArgumentError).argument).toBe('labels');
        expect((e as ArgumentError).message).toContain(`labels[${before.length}] is ${labels[before.length]}:`);
      }),
      { numRuns: 150 },
    );
    for (const k of [0, -1, 2.5, NaN]) expect(thrown(() => toCategorical([0], k))).toMatchObject({ name: 'ArgumentError', argument: 'numClasses' });
    expect(thrown(() => toCategorical([]))).toMatchObject({ name: 'ArgumentError', argument: 'labels' });
    expect(thrown(() => toCategorical([-1]))).toMatchObject({ name: 'ArgumentError', argument: 'labels' });
  },
);

spec(
  {
    name: 'argmax:first-maximum',
    claim: contract(
      'numpy.argmax documentation',
      'In case of multiple occurrences of the maximum values, the indices corresponding to the first occurrence are returned.',
    ),
  },
  () => {
    // few distinct values, so ties are common; NaN sometimes, which numpy treats as the maximum
    const value = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(0, 0.25, 0.5, 1, -1) }, { weight: 1, arbitrary: fc.constant(NaN) });
    const rows = fc
      .tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 6 }))
      .chain(([n, k]) => fc.array(value, { minLength: n * k, maxLength: n * k }).map((d) => tensor(Float32Array.from(d), [n, k])));
    fc.assert(
      fc.property(rows, (p: F32Tensor) => {
        const [n, k] = p.shape as [number, number];
        const got = argmax(p);
        expect(got).toBeInstanceOf(Uint8Array);
        expect(got.length).toBe(n);
        for (let r = 0; r < n; r++) {
          const row = Array.from(p.data.subarray(r * k, (r + 1) * k));
          const firstNaN = row.findIndex(Number.isNaN);
          expect(got[r]).toBe(firstNaN >= 0 ? firstNaN : row.indexOf(Math.max(...row)));
        }
      }),
      { numRuns: 200 },
    );
    expect(argmax(tensor(new Float32Array(300 * 2), [2, 300]))).toBeInstanceOf(Int32Array); // classes beyond a byte
    expect(argmax(tensor(Float32Array.of(0, 1, 0), [3]))).toEqual(Uint8Array.of(1)); // 1-D: one row
    expect(thrown(() => argmax(tensor(new Float32Array(0), [4, 0])))).toMatchObject({ name: 'ArgumentError', argument: 'probs' });
  },
);

spec({ name: 'argmax:one-hot-label', claim: seed('003', 'y = np.argmax(y, axis=-1) y 7') }, () => {
  // y_test[0] is 7: argmax of its one-hot row gives it back
  expect(argmax(toCategorical([7], 10))[0]).toBe(7);
});

spec({ name: 'predict-classes:seed-003', claim: seed('003', 'model.predict_classes(single_prediction) array([7])') }, ({ record }) => {
  // the probabilities seed 003's model.predict printed for x_test[0]
  const probs = Float32Array.of(8.9486201e-27, 8.2563786e-20, 5.9441172e-15, 1.6156085e-11, 1.9260036e-26, 1.8088165e-18, 0, 1, 3.0322613e-18, 2.2619429e-13);
  const classes = predictClasses(tensor(probs, [1, 10]));
  record(Array.from(classes));
  expect(Array.from(classes)).toEqual([7]);
});

spec(
  {
    name: 'predict-classes:single-output',
    claim: keras('keras/engine/sequential.py predict_classes', "return (proba > 0.5).astype('int32')"),
  },
  () => {
    expect(Array.from(predictClasses(tensor(Float32Array.of(0.2, 0.5, 0.51, 1), [4, 1])))).toEqual([0, 0, 1, 1]);
  },
);
