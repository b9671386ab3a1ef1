/**
 * @fault sigmoid computed as exp(z) / (1 + exp(z)) for every z, which is Infinity / Infinity = NaN once z passes ~709
 *
 * The other textbook form of the logistic function; a large pre-activation (unscaled 0–255 pixels into a
 * sigmoid layer) turns a saturated unit into NaN instead of 1.
 */
import { createPlainTs, KERAS_ACTIVATIONS } from '../plain-ts/index.js';

export default createPlainTs(
  {
    activations: {
      ...KERAS_ACTIVATIONS,
      sigmoid: {
        ...KERAS_ACTIVATIONS.sigmoid,
        forward: (z) => z.map((v) => Math.exp(v) / (1 + Math.exp(v))), // BUG: overflows for large v
      },
    },
  },
  'sigmoid-overflow',
);
