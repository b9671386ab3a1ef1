/**
 * @fault softmax normalises over the batch axis (axis 0) instead of each sample's classes
 *
 * A classic when a runtime's softmax takes an `axis` argument defaulting to 0, or when a [n, classes] tensor is
 * handed over as [classes, n]: every column sums to 1 across the batch, no row does.
 */
import { createPlainTs, KERAS_ACTIVATIONS } from '../plain-ts/index.js';

export default createPlainTs(
  {
    activations: {
      ...KERAS_ACTIVATIONS,
      softmax: {
        ...KERAS_ACTIVATIONS.softmax,
        forward(z, lastDim) {
          const n = z.length / lastDim;
          const y = new Float32Array(z.length);
          for (let j = 0; j < lastDim; j++) {
            let max = -Infinity;
            for (let r = 0; r < n; r++) max = Math.max(max, z[r * lastDim + j]!);
            let sum = 0;
            for (let r = 0; r < n; r++) sum += Math.exp(z[r * lastDim + j]! - max);
            for (let r = 0; r < n; r++) y[r * lastDim + j] = Math.exp(z[r * lastDim + j]! - max) / sum; // BUG: over r, the batch
          }
          return y;
        },
      },
    },
  },
  'softmax-batch-axis',
);
