/**
 * @fault softmax normalises over the batch axis (axis 0) instead of each sample's classes
 *
 * A classic when a runtime's softmax takes an `axis` argument defaulting to 0, or when a [n, classes]
 * tensor is handed over as [classes, n]: every column sums to 1 across the batch, no row does.
 */
import { createAdapter, KERAS_KERNELS } from '../minimal-adapter/index.js';

export default createAdapter(
  {
    activation(x, n, lastDim, name) {
      if (name !== 'softmax') return KERAS_KERNELS.activation(x, n, lastDim, name);
      const out = new Float32Array(x.length);
      for (let j = 0; j < lastDim; j++) {
        let max = -Infinity;
        for (let r = 0; r < n; r++) max = Math.max(max, x[r * lastDim + j]!);
        let sum = 0;
        for (let r = 0; r < n; r++) sum += Math.exp(x[r * lastDim + j]! - max);
        for (let r = 0; r < n; r++) out[r * lastDim + j] = Math.exp(x[r * lastDim + j]! - max) / sum; // BUG: over r, the batch
      }
      return out;
    },
  },
  'softmax-batch-axis',
);
