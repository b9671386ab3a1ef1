import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { ArgumentError, ChecksumError, DataFormatError } from '../errors.js';
import type { U8Tensor } from '../tensor.js';
import { sha256 } from '../util/fs.js';
import { IDX_NAMES, isCanonical, MNIST_NPZ_NAME, MNIST_NPZ_SHA256 } from './canonical.js';
import { loadEmbedded } from './embedded.js';
import { decodeIdx } from './idx.js';
import { decodeNpz, MNIST_NPZ_ARRAYS } from './npz.js';
import type { LoadOptions, MnistData, Provenance } from './types.js';

type Env = Record<string, string | undefined>;

/** `$KERAS_HOME/datasets/mnist.npz`, KERAS_HOME defaulting to ~/.keras: where Keras caches MNIST. */
export function kerasCachePath(env: Env = process.env): string {
  const home = env.KERAS_HOME || join(env.HOME || env.USERPROFILE || homedir(), '.keras');
  return join(home, 'datasets', MNIST_NPZ_NAME);
}

const isFile = async (path: string): Promise<boolean> => (await stat(path).catch(() => undefined))?.isFile() ?? false;

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
  if (await isFile(cache)) return loadKerasCache(cache, opts.kerasCacheSha256);
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
  const location = resolve(dir);
  if (!(await stat(location).catch(() => undefined))?.isDirectory()) throw new ArgumentError(argument, `${location} is not a directory`);
  const names = [IDX_NAMES.trainImages, IDX_NAMES.trainLabels, IDX_NAMES.testImages, IDX_NAMES.testLabels];
  const found = await Promise.all(
    names.map(async (name) => ((await isFile(join(location, `${name}.gz`))) ? `${name}.gz` : (await isFile(join(location, name))) ? name : undefined)),
  );
  const missing = names.filter((_, i) => !found[i]);
  if (missing.length) {
    throw new ArgumentError(argument, `${location} has no ${missing.map((m) => `${m} (or ${m}.gz)`).join(', ')}`);
  }
  const files = await Promise.all(
    found.map(async (name) => {
      const path = join(location, name!);
      const bytes = await readFile(path);
      return { name: name!, path, bytes, sha256: sha256(bytes) };
    }),
  );
  const [xTrain, yTrain, xTest, yTest] = files.map((f) => decodeIdx(f.bytes, f.path)) as [U8Tensor, U8Tensor, U8Tensor, U8Tensor];
  checkPart({ images: xTrain, labels: yTrain, imagesFile: files[0]!.path, labelsFile: files[1]!.path });
  checkPart({ images: xTest, labels: yTest, imagesFile: files[2]!.path, labelsFile: files[3]!.path });
  const provFiles = files.map((f) => ({ name: f.name, sha256: f.sha256, bytes: f.bytes.length }));
  const provenance: Provenance = {
    source: 'directory',
    location,
    files: provFiles,
    counts: { train: xTrain.shape[0]!, test: xTest.shape[0]! },
    canonical: isCanonical(provFiles),
  };
  return { xTrain, yTrain, xTest, yTest, provenance };
}

/** Keras's cache file: its sha256 is checked before anything is decoded (ChecksumError on a mismatch). */
export async function loadKerasCache(path: string, expectedSha256 = MNIST_NPZ_SHA256): Promise<MnistData> {
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
