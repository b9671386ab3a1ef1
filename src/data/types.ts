import type { U8Tensor } from '../tensor.js';

/** Keras `mnist.load_data()`: uint8 images [n, 28, 28] and uint8 labels [n], plus where they came from. */
export interface MnistData {
  xTrain: U8Tensor;
  yTrain: U8Tensor;
  xTest: U8Tensor;
  yTest: U8Tensor;
  provenance: Provenance;
}

export type DataSource = 'directory' | 'keras-cache' | 'embedded';

/** Carried by every result computed from the data, so a number always says what it was measured on. */
export interface Provenance {
  source: DataSource;
  /** Directory, cache file path, or the embedded package name@version. */
  location: string;
  /** Each file read, with its sha256. */
  files: { name: string; sha256: string; bytes: number }[];
  counts: { train: number; test: number };
  /** For the embedded source: the name of the fixed train/test split (see src/data/embedded.ts). */
  split?: string;
  /** True when this is the canonical 60,000/10,000 MNIST (every file's checksum is the published one). */
  canonical: boolean;
}

export interface LoadOptions {
  /** A directory of the four IDX files (gzip or raw), or 'embedded'. Overrides MNIST_DIR and the cache. */
  data?: string;
  /** Environment to read MNIST_DIR and KERAS_HOME from (default process.env). */
  env?: Record<string, string | undefined>;
  /** The sha256 the Keras cache file must have (default: Keras's, MNIST_NPZ_SHA256); for synthetic caches in tests. */
  kerasCacheSha256?: string;
}
