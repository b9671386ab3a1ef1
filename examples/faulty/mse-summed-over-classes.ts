/**
 * @fault mean_squared_error sums the squared errors over the classes instead of averaging them
 *
 * `reduction='sum'` over the wrong axis: Keras takes K.mean(K.square(y_pred − y_true), axis=−1) per sample, then the
 * batch mean; summing over the 10 classes makes the loss and every gradient 10 times Keras's.
 */
import { createPlainTs, KERAS_LOSSES } from '../plain-ts/index.js';
import type { Loss } from '../plain-ts/losses.js';

const summed: Loss = {
  value: (p, y, offset, k) => KERAS_LOSSES.mean_squared_error.value(p, y, offset, k) * k, // BUG: Σ, not mean
  gradient: (p, y, offset, k, scale, dp) => KERAS_LOSSES.mean_squared_error.gradient(p, y, offset, k, scale * k, dp),
};

export default createPlainTs({ losses: { ...KERAS_LOSSES, mean_squared_error: summed } }, 'mse-summed-over-classes');
