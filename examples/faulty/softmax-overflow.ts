/**
 * @fault softmax exponentiates the logits as they are, without subtracting each row's maximum first
 *
 * The textbook formula exp(z) / Σ exp(z) overflows to Infinity / Infinity = NaN once a logit passes ~709 (88 in
 * float32): seed 000, trained on 0–255 pixels, reaches logits in the thousands.
 */
import { createPlainTs, KERAS_ACTIVATIONS } from '../plain-ts/index.js';

export default createPlainTs(
  {
    activations: {
      ...KERAS_ACTIVATIONS,
      softmax: {
        ...KERAS_ACTIVATIONS.softmax,
        forward(z, lastDim) {
          const y = new Float32Array(z.length);
          for (let row = 0; row < z.length; row += lastDim) {
            let sum = 0;
            for (let j = 0; j < lastDim; j++) sum += Math.exp(z[row + j]!); // BUG: no max subtracted
            for (let j = 0; j < lastDim; j++) y[row + j] = Math.exp(z[row + j]!) / sum;
          }
          return y;
        },
      },
    },
  },
  'softmax-overflow',
);
