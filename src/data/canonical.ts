/**
 * The published identity of canonical MNIST: the sha256 of each distributed file (shared/mnist/SHA256SUMS
 * for the four IDX files; Keras's `file_hash` for its mnist.npz cache) and the label counts of the
 * data set's description (shared/mnist/README.md). A load is canonical when every file it read has the
 * published checksum of its name.
 */
export const IDX_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export const TRAIN_IMAGES_GZ_SHA256 = '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609';
export const TRAIN_LABELS_GZ_SHA256 = '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c';
export const TEST_IMAGES_GZ_SHA256 = '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6';
export const TEST_LABELS_GZ_SHA256 = 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6';
/** Keras's cache file (`mnist.load_data()` downloads it to ~/.keras/datasets/mnist.npz and checks this hash). */
export const MNIST_NPZ_SHA256 = '731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1';
export const MNIST_NPZ_NAME = 'mnist.npz';

/** File name → its published sha256. */
export const CANONICAL_SHA256: Readonly<Record<string, string>> = {
  [`${IDX_NAMES.trainImages}.gz`]: TRAIN_IMAGES_GZ_SHA256,
  [`${IDX_NAMES.trainLabels}.gz`]: TRAIN_LABELS_GZ_SHA256,
  [`${IDX_NAMES.testImages}.gz`]: TEST_IMAGES_GZ_SHA256,
  [`${IDX_NAMES.testLabels}.gz`]: TEST_LABELS_GZ_SHA256,
  [MNIST_NPZ_NAME]: MNIST_NPZ_SHA256,
};

/** Label counts of digits 0–9 (README: "Label counts, digits 0–9 — train: ...; test: ..."). */
export const CANONICAL_TRAIN_HISTOGRAM: readonly number[] = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
export const CANONICAL_TEST_HISTOGRAM: readonly number[] = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

/** True when there are files and each has the published sha256 of its name. */
export function isCanonical(files: readonly { name: string; sha256: string }[]): boolean {
  return files.length > 0 && files.every((f) => CANONICAL_SHA256[f.name] === f.sha256);
}
