/**
 * @fault BatchNormalization normalises a training batch with its unbiased variance (divided by m − 1) instead of the biased one (divided by m)
 *
 * torch.var and numpy's ddof=1 habits: the statistic Keras stores in the moving variance is unbiased, but the one
 * it normalises the batch with is not.
 */
import { createPlainTs, KERAS_LAYERS } from '../plain-ts/index.js';
import { BatchNormalizationLayer } from '../plain-ts/layers.js';

class UnbiasedNormalization extends BatchNormalizationLayer {
  override batchStatistics(x: Float32Array): { mean: Float64Array; variance: Float64Array } {
    const { mean, variance } = super.batchStatistics(x);
    const m = x.length / this.channels;
    return { mean, variance: variance.map((v) => (v * m) / (m - 1)) }; // BUG: Bessel's correction in the normalisation
  }
  override updateMovingStatistics(mean: Float64Array, variance: Float64Array, m: number): void {
    super.updateMovingStatistics(
      mean,
      variance.map((v) => (v * (m - 1)) / m),
      m,
    ); // (the stored statistic stays Keras's)
  }
}

export default createPlainTs(
  { layers: { ...KERAS_LAYERS, BatchNormalization: (spec, context) => new UnbiasedNormalization(spec as BatchNormalizationLayer['spec'], context) } },
  'batchnorm-unbiased-variance',
);
