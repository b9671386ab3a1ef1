/**
 * Keras files whose own evaluation is on record, recognised by sha256: `mnist-spec check` prints Keras's
 * numbers beside ours for them. Only the checksum and what Keras printed are kept here — the file itself
 * is third-party data (../shared/keras) and is never part of the project.
 */
export interface KnownKerasFile {
  sha256: string;
  /** Where the file and its provenance note live, relative to the directory beside the checkout. */
  location: string;
  /** The recipe whose architecture the weights belong to. */
  recipe: string;
  /** What Keras printed for model.evaluate on the canonical 10,000 test images. */
  printed: { loss: number; accuracy: number };
  /** Who printed it. */
  by: string;
  /** The provenance note beside the file (under ../shared/keras/) and its line quoting what Keras printed. */
  provenance: { file: string; quote: string };
}

export const KNOWN_KERAS_FILES: readonly KnownKerasFile[] = [
  {
    sha256: 'bbe0c1fab225a43a16e2161a2365f635dc29d294a89f00591e762ca56670b4f9',
    location: 'shared/keras/mnist_mlp_keras2/mnist_mlp.h5',
    recipe: '001',
    printed: { loss: 0.116195382967, accuracy: 0.9831 },
    by: 'Keras 2.2.2 (TensorFlow backend), PROVENANCE.md',
    provenance: {
      file: 'mnist_mlp_keras2/PROVENANCE.md',
      quote:
        'What the training notebook printed for `model.evaluate(x_test, y_test)` on the canonical 10,000 MNIST test images: `Test loss: 0.116195382967`, `Test accuracy: 0.9831`.',
    },
  },
];

export function knownKerasFile(sha256: string): KnownKerasFile | undefined {
  return KNOWN_KERAS_FILES.find((k) => k.sha256 === sha256);
}
