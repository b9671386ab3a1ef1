/** Synthetic MNIST-shaped data and its files, for the suite's own format specs (the real data sets: src/harness/data.ts). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IDX_NAMES } from '../../src/data/canonical.js';
import { encodeIdx } from '../../src/data/idx.js';
import { encodeNpz } from '../../src/data/npz.js';
import type { MnistData } from '../../src/data/types.js';
import { DataFormatError } from '../../src/errors.js';
import { tensor, type U8Tensor } from '../../src/tensor.js';

/** The DataFormatError `fn` throws, or undefined when it returns: any other exception fails the spec. */
export function formatErrorOf(fn: () => unknown): DataFormatError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof DataFormatError) return e;
    throw e;
  }
}

/** What a promise rejects with (failing when it resolves). */
export async function rejectionOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Small synthetic MNIST-shaped arrays (no MNIST content): pixel i is (7i + seed) mod 256, label i is (i + seed) mod 10. */
export function synthMnist(nTrain: number, nTest: number, seed = 0): Pick<MnistData, 'xTrain' | 'yTrain' | 'xTest' | 'yTest'> {
  const images = (n: number): U8Tensor =>
    tensor(
      Uint8Array.from({ length: n * 784 }, (_, i) => (7 * i + seed) % 256),
      [n, 28, 28],
    );
  const labels = (n: number): U8Tensor =>
    tensor(
      Uint8Array.from({ length: n }, (_, i) => (i + seed) % 10),
      [n],
    );
  return { xTrain: images(nTrain), yTrain: labels(nTrain), xTest: images(nTest), yTest: labels(nTest) };
}

/** Write arrays as the four IDX files of a directory (gzip-compressed when `gzip`), as MNIST is distributed. */
export async function writeIdxDir(dir: string, d: Pick<MnistData, 'xTrain' | 'yTrain' | 'xTest' | 'yTest'>, gzip = true): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files: [string, U8Tensor][] = [
    [IDX_NAMES.trainImages, d.xTrain],
    [IDX_NAMES.trainLabels, d.yTrain],
    [IDX_NAMES.testImages, d.xTest],
    [IDX_NAMES.testLabels, d.yTest],
  ];
  for (const [name, t] of files) await writeFile(join(dir, gzip ? `${name}.gz` : name), encodeIdx(t, { gzip }));
}

/** The arrays as a Keras-style mnist.npz. */
export function mnistNpz(d: Pick<MnistData, 'xTrain' | 'yTrain' | 'xTest' | 'yTest'>): Uint8Array {
  return encodeNpz({ x_train: d.xTrain, y_train: d.yTrain, x_test: d.xTest, y_test: d.yTest });
}
