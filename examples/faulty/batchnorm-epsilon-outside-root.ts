/**
 * @fault BatchNormalization divides by sqrt(variance) + ε instead of sqrt(variance + ε)
 *
 * Harmless while variances are large; where a channel's variance is near zero (a unit ReLU has switched off, a
 * constant border) it scales by 1/ε = 1000 instead of 1/sqrt(ε) ≈ 32.
 */
import { createPlainTs, KERAS_LAYERS } from '../plain-ts/index.js';
import { BatchNormalizationLayer, type TrainingPass } from '../plain-ts/layers.js';

class EpsilonOutside extends BatchNormalizationLayer {
  override forward(x: Float32Array, n: number, training?: TrainingPass): Float32Array {
    const eps = this.epsilon;
    const outside = (variance: ArrayLike<number>): Float64Array => Float64Array.from(variance, (v) => 1 / (Math.sqrt(v) + eps)); // BUG
    if (!training) return this.scaleAndShift(this.standardize(x, this.weights.moving_mean!, outside(this.weights.moving_variance!)));
    const { mean, variance } = this.batchStatistics(x);
    const inv = outside(variance);
    const xhat = this.standardize(x, mean, inv);
    [this.xhat, this.inv] = [xhat, inv];
    this.updateMovingStatistics(mean, variance, x.length / this.channels);
    return this.scaleAndShift(xhat);
  }
}

export default createPlainTs(
  { layers: { ...KERAS_LAYERS, BatchNormalization: (spec, context) => new EpsilonOutside(spec as BatchNormalizationLayer['spec'], context) } },
  'batchnorm-epsilon-outside-root',
);
