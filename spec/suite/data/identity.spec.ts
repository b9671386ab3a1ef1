import { expect } from 'vitest';
import { CANONICAL_SHA256, CANONICAL_TEST_HISTOGRAM, CANONICAL_TRAIN_HISTOGRAM } from '../../../src/data/canonical.js';
import { labelHistogram } from '../../../src/data/summary.js';
import { parseMisclassified } from '../../../src/reproduce/outputs.js';
import { dtypeOf, shapeString } from '../../../src/tensor.js';
import { keras, mnistReadme, seed } from '../../../src/harness/claims.js';
import { fullData } from '../../../src/harness/data.js';
import { suiteSpecs, type SpecDecl } from '../../../src/harness/spec.js';
import { SEED_003_MISSES } from '../../support/seed003-listing.js';

const spec = suiteSpecs(import.meta.url);

/**
 * The canonical data is the data the notebooks printed: shapes, pixels and labels they show, checked on
 * the full set (MNIST_DIR). Without it these skip.
 */
const full = { needs: { fullData: true } } satisfies Partial<SpecDecl>;

spec({ name: 'shape:train', claim: seed('000', '(60000, 28, 28) (60000,)'), ...full }, async () => {
  const d = await fullData();
  expect(`${shapeString(d.xTrain.shape)} ${shapeString(d.yTrain.shape)}`).toBe('(60000, 28, 28) (60000,)');
});

spec({ name: 'shape:test', claim: seed('004', 'X_test original shape (10000, 28, 28)'), ...full }, async () => {
  const d = await fullData();
  expect(`X_test original shape ${shapeString(d.xTest.shape)}`).toBe('X_test original shape (10000, 28, 28)');
  expect(`y_test original shape ${shapeString(d.yTest.shape)}`).toBe('y_test original shape (10000,)');
});

spec({ name: 'dtype', claim: keras('keras/datasets/mnist.py (tf.keras)', '**x_train, x_test**: uint8 arrays of grayscale image data'), ...full }, async () => {
  const d = await fullData();
  expect([d.xTrain, d.yTrain, d.xTest, d.yTest].map(dtypeOf)).toEqual(['uint8', 'uint8', 'uint8', 'uint8']);
});

// Seed 003 prints x_train[0] after reshaping it to 784 values, 13 to a line: values 152..163 are these.
spec({ name: 'x_train.0:printed', claim: seed('003', '3,  18,  18,  18,\n       126, 136, 175,  26, 166, 255, 247, 127'), ...full }, async () => {
  const d = await fullData();
  const flat = Array.from(d.xTrain.data.subarray(0, 784));
  expect(flat.slice(0, 152).every((v) => v === 0)).toBe(true);
  expect(flat.slice(152, 164)).toEqual([3, 18, 18, 18, 126, 136, 175, 26, 166, 255, 247, 127]);
});

spec(
  {
    name: 'x_train.0',
    params: { row: 5 },
    claim: mnistReadme('row 5 reads 0 0 0 0 0 0 0 0 0 0 0 0 3 18 18 18 126 136 175 26 166 255 247 127 0 0 0 0'),
    ...full,
  },
  async () => {
    const d = await fullData();
    expect(Array.from(d.xTrain.data.subarray(5 * 28, 6 * 28)).join(' ')).toBe('0 0 0 0 0 0 0 0 0 0 0 0 3 18 18 18 126 136 175 26 166 255 247 127 0 0 0 0');
  },
);

spec({ name: 'y_train.0', claim: seed('003', 'y_train[0]\n\n5'), ...full }, async () => {
  expect((await fullData()).yTrain.data[0]).toBe(5);
});

spec({ name: 'y_train.2', claim: seed('004', 'Example of a y label convereted to ohe: [0. 0. 0. 0. 1. 0. 0. 0. 0. 0.]'), ...full }, async () => {
  expect((await fullData()).yTrain.data[2]).toBe(4);
});

spec({ name: 'y_train:start', claim: mnistReadme('y_train starts 5 0 4 1 9'), ...full }, async () => {
  expect(Array.from((await fullData()).yTrain.data.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
});

spec({ name: 'y_test.0', claim: seed('003', 'y = y_test[0]\ny = np.argmax(y, axis=-1)\ny\n\n7'), ...full }, async () => {
  expect((await fullData()).yTest.data[0]).toBe(7);
});

// The true labels seed 003 lists for the test images its model got wrong (what the model predicted is not data).
for (const line of SEED_003_MISSES) {
  const { index, actual } = parseMisclassified(line)!;
  spec({ name: `y_test.${index}`, claim: seed('003', line), ...full }, async () => {
    expect((await fullData()).yTest.data[index]).toBe(actual);
  });
}

spec(
  {
    name: 'histograms',
    claim: mnistReadme('train: 5923 6742 5958 6131 5842 5421 5918 6265 5851 5949; test: 980 1135 1032 1010 982 892 958 1028 974 1009'),
    ...full,
  },
  async () => {
    const d = await fullData();
    expect(labelHistogram(d.yTrain)).toEqual(CANONICAL_TRAIN_HISTOGRAM);
    expect(labelHistogram(d.yTest)).toEqual(CANONICAL_TEST_HISTOGRAM);
  },
);

spec({ name: 'canonical', claim: mnistReadme('Byte-identical to the original distribution'), ...full }, async () => {
  const p = (await fullData()).provenance;
  expect(p.canonical).toBe(true);
  expect(p.counts).toEqual({ train: 60000, test: 10000 });
  for (const f of p.files) expect(f.sha256).toBe(CANONICAL_SHA256[f.name]);
});
