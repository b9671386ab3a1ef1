/**
 * @fault BatchNormalization normalises with its moving statistics in training too (it still updates them), instead of the batch's
 *
 * The mirror image of batch statistics at inference: a port that always calls its runtime's inference-mode batch
 * norm. The moving statistics still follow the batches, so the weights it reports look right.
 */
import { createPlainTs, KERAS_LAYERS } from '../plain-ts/index.js';
import { BatchNormalizationLayer, type TrainingPass } from '../plain-ts/layers.js';

class MovingStatisticsAlways extends BatchNormalizationLayer {
  override forward(x: Float32Array, n: number, training?: TrainingPass): Float32Array {
    if (!training) return super.forward(x, n);
    const batch = this.batchStatistics(x);
    this.updateMovingStatistics(batch.mean, batch.variance, x.length / this.channels);
    // BUG: normalised with the moving statistics, and backward treats them as constants
    const mean = this.weights.moving_mean!;
    const inv = Float64Array.from(this.weights.moving_variance!, (v) => 1 / Math.sqrt(v + this.epsilon));
    const xhat = this.standardize(x, mean, inv);
    [this.xhat, this.inv] = [xhat, inv];
    return this.scaleAndShift(xhat);
  }
}

export default createPlainTs(
  { layers: { ...KERAS_LAYERS, BatchNormalization: (spec, context) => new MovingStatisticsAlways(spec as BatchNormalizationLayer['spec'], context) } },
  'batchnorm-moving-statistics-in-training',
);
