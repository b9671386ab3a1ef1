import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeIdx, encodeIdx } from '../data/idx.js';
import type { MnistData } from '../data/types.js';
import { ArgumentError, DataFormatError } from '../errors.js';
import { gatherRows, type U8Tensor } from '../tensor.js';
import { sha256, writeFileAtomic } from '../util/fs.js';

/**
 * The fixed inputs of the golden models: canonical MNIST test digits, by their index in the 10,000-image
 * test set. Stored as an IDX pair (the format MNIST itself ships in, so any MNIST reader reads it) plus
 * `test-digits.json`, which says which test rows they are and why.
 */
export const DIGITS_DIR = fileURLToPath(new URL('../../fixtures/digits/', import.meta.url));
export const DIGITS_FILES = {
  images: 'test-digits-images.idx3-ubyte',
  labels: 'test-digits-labels.idx1-ubyte',
  index: 'test-digits.json',
} as const;

/** The first 100 test images: the ordinary case, every digit several times. */
export const FIRST_TEST_DIGITS = 100;
/**
 * The test images seed 003 lists as misclassified among the first 784 ("test sample number  149  is
 * incorrect, model predicted  3 actual was 2" …): the hard cases, where implementations may disagree.
 */
export const SEED_003_MISCLASSIFIED: readonly number[] = [149, 151, 217, 247, 274, 321, 340, 445, 447, 547, 613, 624, 659, 684];
export const DIGIT_INDICES: readonly number[] = [...Array.from({ length: FIRST_TEST_DIGITS }, (_, i) => i), ...SEED_003_MISCLASSIFIED];

export interface DigitsIndex {
  kind: 'mnist-spec/test-digits';
  schemaVersion: 1;
  description: string;
  /** Row i of the IDX pair is canonical MNIST test image indices[i]. */
  indices: number[];
  labels: number[];
  source: { testImages: string; testLabels: string; sha256: Record<string, string> };
  files: { name: string; sha256: string; bytes: number }[];
}

export interface TestDigits {
  /** uint8 [n, 28, 28], as load_data() returns them */
  images: U8Tensor;
  labels: U8Tensor;
  indices: number[];
}

/** The fixture's rows, taken from the canonical test set. */
export function selectDigits(data: Pick<MnistData, 'xTest' | 'yTest'>): TestDigits {
  return { images: gatherRows(data.xTest, DIGIT_INDICES), labels: gatherRows(data.yTest, DIGIT_INDICES), indices: [...DIGIT_INDICES] };
}

/** Write the fixture from the canonical test set (deterministic: the same data gives the same bytes). */
export async function writeDigits(data: MnistData, dir = DIGITS_DIR): Promise<DigitsIndex> {
  if (!data.provenance.canonical) {
    throw new ArgumentError('data', `the test-digit fixture is taken from canonical MNIST; ${data.provenance.source} data (${data.provenance.location}) is not`);
  }
  const d = selectDigits(data);
  const images = encodeIdx(d.images);
  const labels = encodeIdx(d.labels);
  const index: DigitsIndex = {
    kind: 'mnist-spec/test-digits',
    schemaVersion: 1,
    description:
      `Canonical MNIST test images 0-${FIRST_TEST_DIGITS - 1} and the ${SEED_003_MISCLASSIFIED.length} that seed 003 lists as misclassified ` +
      `(${SEED_003_MISCLASSIFIED.join(', ')}); row i of the IDX pair is test image indices[i]. Regenerate with npm run golden.`,
    indices: d.indices,
    labels: Array.from(d.labels.data),
    source: {
      testImages: 't10k-images-idx3-ubyte',
      testLabels: 't10k-labels-idx1-ubyte',
      sha256: Object.fromEntries(data.provenance.files.filter((f) => f.name.startsWith('t10k')).map((f) => [f.name, f.sha256])),
    },
    files: [
      { name: DIGITS_FILES.images, sha256: sha256(images), bytes: images.length },
      { name: DIGITS_FILES.labels, sha256: sha256(labels), bytes: labels.length },
    ],
  };
  await writeFileAtomic(join(dir, DIGITS_FILES.images), images);
  await writeFileAtomic(join(dir, DIGITS_FILES.labels), labels);
  await writeFileAtomic(join(dir, DIGITS_FILES.index), JSON.stringify(index, null, 2) + '\n');
  return index;
}

/** Read the fixture, checking the IDX pair against its index (checksums, counts, labels). */
export async function loadDigits(dir = DIGITS_DIR): Promise<TestDigits & { index: DigitsIndex }> {
  const indexFile = join(dir, DIGITS_FILES.index);
  const index = JSON.parse(await readFile(indexFile, 'utf8')) as DigitsIndex;
  if (index.kind !== 'mnist-spec/test-digits') throw new DataFormatError(indexFile, 'kind', `expected "mnist-spec/test-digits", got ${JSON.stringify(index.kind)}`);
  const read = async (name: string): Promise<Uint8Array> => {
    const bytes = new Uint8Array(await readFile(join(dir, name)));
    const want = index.files.find((f) => f.name === name);
    if (!want) throw new DataFormatError(indexFile, 'files', `does not list ${name}`);
    if (sha256(bytes) !== want.sha256) throw new DataFormatError(join(dir, name), 'sha256', `is ${sha256(bytes)}, ${DIGITS_FILES.index} says ${want.sha256}`);
    return bytes;
  };
  const images = decodeIdx(await read(DIGITS_FILES.images), DIGITS_FILES.images);
  const labels = decodeIdx(await read(DIGITS_FILES.labels), DIGITS_FILES.labels);
  const n = index.indices.length;
  if (images.shape.join() !== `${n},28,28`) throw new DataFormatError(DIGITS_FILES.images, 'shape', `is [${images.shape.join(', ')}], expected [${n}, 28, 28]`);
  if (labels.shape.join() !== `${n}` || Array.from(labels.data).join() !== index.labels.join()) {
    throw new DataFormatError(DIGITS_FILES.labels, 'labels', `do not match the ${n} labels of ${DIGITS_FILES.index}`);
  }
  return { images, labels, indices: index.indices, index };
}
