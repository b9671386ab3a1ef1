/**
 * @fault BatchNormalization's moving statistics are a plain exponential average from their initial values (0 and 1), without Keras 2.2's zero-debiasing
 *
 * tf.keras and PyTorch average this way; Keras 2.2 (K.moving_average_update → assign_moving_average with
 * zero_debias=True) divides by 1 − momentum^t, so after a few steps its moving statistics are already the batches'.
 */
import { createPlainTs, KERAS_LAYERS } from '../plain-ts/index.js';
import { BatchNormalizationLayer } from '../plain-ts/layers.js';

class PlainAverage extends BatchNormalizationLayer {
  override updateMovingStatistics(mean: Float64Array, variance: Float64Array, m: number): void {
    let factor = m / (m - (1 + this.epsilon));
    if (this.spec.inputShape.length === 3) factor *= m / Math.max(m - 1, 1);
    const { moving_mean: movingMean, moving_variance: movingVariance } = this.weights;
    for (let ch = 0; ch < this.channels; ch++) {
      // BUG: no biased accumulator and no division by 1 − momentum^t
      movingMean![ch] = this.momentum * movingMean![ch]! + (1 - this.momentum) * mean[ch]!;
      movingVariance![ch] = this.momentum * movingVariance![ch]! + (1 - this.momentum) * variance[ch]! * factor;
    }
  }
}

export default createPlainTs(
  { layers: { ...KERAS_LAYERS, BatchNormalization: (spec, context) => new PlainAverage(spec as BatchNormalizationLayer['spec'], context) } },
  'batchnorm-no-debias',
);
