import { lstat, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { ArgumentError, ChecksumError, DataFormatError } from '../errors.js';
import type { U8Tensor } from '../tensor.js';
import { checkInputFile, fsArgumentError, sha256 } from '../util/fs.js';
import { IDX_NAMES, isCanonical, MNIST_NPZ_NAME, MNIST_NPZ_SHA256 } from './canonical.js';
import { loadEmbedded } from './embedded.js';
import { readIdxFile } from './files.js';
import { decodeNpz, MNIST_NPZ_ARRAYS } from './npz.js';
import type { LoadOptions, MnistData, Provenance } from './types.js';

type Env = Record<string, string | undefined>;

/** `$KERAS_HOME/datasets/mnist.npz`, KERAS_HOME defaulting to ~/.keras: where Keras caches MNIST. */
export function kerasCachePath(env: Env = process.env): string {
  const home = env.KERAS_HOME || join(env.HOME || env.USERPROFILE || homedir(), '.keras');
  return join(home, 'datasets', MNIST_NPZ_NAME);
}

/** A name present in a directory, whatever it is (a dangling link too: reading it then says what is wrong). */
const exists = async (path: string): Promise<boolean> =>
  lstat(path).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw e;
    },
  );
/** Keras's mnist.npz is 11,490,434 bytes; a cache file over 64 MiB is not it and is not read. */
export const MAX_KERAS_CACHE_BYTES = 64 * 2 ** 20;

/**
 * Keras `mnist.load_data()`: x_train [n, 28, 28], y_train [n], x_test, y_test, all uint8, with provenance.
 * The source, first found wins:
 *   1. `opts.data`: a directory of the four IDX files, or 'embedded';
 *   2. the directory in MNIST_DIR;
 *   3. the Keras cache `$KERAS_HOME/datasets/mnist.npz`, checked against Keras's sha256 before it is read;
 *   4. the embedded 10,000 images of the `mnist` package (src/data/embedded.ts).
 * A source that is named but unusable is an error, never a silent fall-back to the next one.
 */
export async function loadData(opts: LoadOptions = {}): Promise<MnistData> {
  const env = opts.env ?? process.env;
  if (opts.data !== undefined) {
    if (opts.data === 'embedded') return loadEmbedded();
    if (opts.data === '') throw new ArgumentError('data', "expected a directory or 'embedded', got an empty string");
    return loadDirectory(opts.data, 'data');
  }
  if (env.MNIST_DIR) return loadDirectory(env.MNIST_DIR, 'MNIST_DIR');
  const cache = kerasCachePath(env);
  if (await exists(cache)) return loadKerasCache(cache, opts.kerasCacheSha256);
  return loadEmbedded();
}

/** One split's arrays, checked to be MNIST-shaped: images [n, 28, 28], labels [n] holding digits 0–9. */
interface Part {
  images: U8Tensor;
  labels: U8Tensor;
  imagesFile: string;
  labelsFile: string;
  /** For an .npz: the members, whose problems are '<member>: shape' or '<member>: data' rather than IDX header fields. */
  members?: [string, string];
}

function checkPart(p: Part): void {
  const fail = (which: 0 | 1, idxField: string, detail: string): never => {
    const field = p.members ? `${p.members[which]}: ${idxField === 'data' ? 'data' : 'shape'}` : idxField;
    throw new DataFormatError(which === 0 ? p.imagesFile : p.labelsFile, field, detail);
  };
  const [n, rows, cols] = p.images.shape;
  if (p.images.shape.length !== 3) fail(0, 'ndim', `expected 3-d images [n, 28, 28], got ${p.images.shape.length}-d`);
  if (rows !== 28) fail(0, 'dims[1]', `images must have 28 rows, got ${rows}`);
  if (cols !== 28) fail(0, 'dims[2]', `images must have 28 columns, got ${cols}`);
  if (p.labels.shape.length !== 1) fail(1, 'ndim', `expected 1-d labels, got ${p.labels.shape.length}-d`);
  if (p.labels.shape[0] !== n) fail(1, 'dims[0]', `${p.labels.shape[0]} labels for ${n} images in ${basename(p.imagesFile)}`);
  const bad = p.labels.data.findIndex((y) => y > 9);
  if (bad >= 0) fail(1, 'data', `label ${p.labels.data[bad]} at index ${bad} is not a digit 0-9`);
}

/** The four IDX files of a directory, each gzip-compressed (preferred: the published checksums are of the .gz) or raw. */
export async function loadDirectory(dir: string, argument = 'data'): Promise<MnistData> {
  const { location, found } = await findIdxFiles(dir, argument);
  // One after another: at most one file's decoded array is being assembled at a time.
  const files: { name: string; path: string; sha256: string; bytes: number; tensor: U8Tensor }[] = [];
  for (const name of found) {
    const path = join(location, name);
    files.push({ name, path, ...(await readIdxFile(path, argument)) });
  }
  const [xTrain, yTrain, xTest, yTest] = files.map((f) => f.tensor) as [U8Tensor, U8Tensor, U8Tensor, U8Tensor];
  checkPart({ images: xTrain, labels: yTrain, imagesFile: files[0]!.path, labelsFile: files[1]!.path });
  checkPart({ images: xTest, labels: yTest, imagesFile: files[2]!.path, labelsFile: files[3]!.path });
  const provFiles = files.map((f) => ({ name: f.name, sha256: f.sha256, bytes: f.bytes }));
  const provenance: Provenance = {
    source: 'directory',
    location,
    files: provFiles,
    counts: { train: xTrain.shape[0]!, test: xTest.shape[0]! },
    canonical: isCanonical(provFiles),
  };
  return { xTrain, yTrain, xTest, yTest, provenance };
}

/**
 * The names of the four IDX files in a directory (`.gz` preferred), without reading them: a missing
 * directory, one that cannot be read, or a missing file is an ArgumentError naming `argument`.
 */
export async function findIdxFiles(dir: string, argument = 'data'): Promise<{ location: string; found: string[] }> {
  const location = resolve(dir);
  const info = await stat(location).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
    throw fsArgumentError(argument, location, e);
  });
  if (!info?.isDirectory()) throw new ArgumentError(argument, `${location} is not a directory`);
  const names = [IDX_NAMES.trainImages, IDX_NAMES.trainLabels, IDX_NAMES.testImages, IDX_NAMES.testLabels];
  const found = await Promise.all(
    names.map(async (name) => ((await exists(join(location, `${name}.gz`))) ? `${name}.gz` : (await exists(join(location, name))) ? name : undefined)),
  ).catch((e: unknown) => {
    throw fsArgumentError(argument, location, e);
  });
  const missing = names.filter((_, i) => !found[i]);
  if (missing.length) {
    throw new ArgumentError(argument, `${location} has no ${missing.map((m) => `${m} (or ${m}.gz)`).join(', ')}`);
  }
  return { location, found: found as string[] };
}

/** Keras's cache file: its sha256 is checked before anything is decoded (ChecksumError on a mismatch). */
export async function loadKerasCache(path: string, expectedSha256 = MNIST_NPZ_SHA256): Promise<MnistData> {
  await checkInputFile(path, 'KERAS_HOME', { maxBytes: MAX_KERAS_CACHE_BYTES, what: "Keras's mnist.npz (11.5 MB)" });
  const bytes = await readFile(path);
  const actual = sha256(bytes);
  if (actual !== expectedSha256) throw new ChecksumError(path, expectedSha256, actual);
  const a = decodeNpz(bytes, path, MNIST_NPZ_ARRAYS);
  checkPart({ images: a.x_train, labels: a.y_train, imagesFile: path, labelsFile: path, members: ['x_train.npy', 'y_train.npy'] });
  checkPart({ images: a.x_test, labels: a.y_test, imagesFile: path, labelsFile: path, members: ['x_test.npy', 'y_test.npy'] });
  const files = [{ name: MNIST_NPZ_NAME, sha256: actual, bytes: bytes.length }];
  const provenance: Provenance = {
    source: 'keras-cache',
    location: path,
    files,
    counts: { train: a.x_train.shape[0]!, test: a.x_test.shape[0]! },
    canonical: isCanonical(files),
  };
  return { xTrain: a.x_train, yTrain: a.y_train, xTest: a.x_test, yTest: a.y_test, provenance };
}
