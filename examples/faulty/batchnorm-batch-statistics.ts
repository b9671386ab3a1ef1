/**
 * @fault BatchNormalization normalises with the batch's own mean and variance at inference instead of the moving statistics
 *
 * Training-mode batch norm in predict (a `training=True` left in a port): outputs then depend on which other
 * samples share the batch.
 */
import { createPlainTs, KERAS_LAYERS } from '../plain-ts/index.js';
import { BatchNormalizationLayer, type TrainingPass } from '../plain-ts/layers.js';

class BatchStatisticsAlways extends BatchNormalizationLayer {
  override forward(x: Float32Array, n: number, training?: TrainingPass): Float32Array {
    if (training) return super.forward(x, n, training);
    const { mean, variance } = this.batchStatistics(x); // BUG: the batch's statistics, not moving_mean / moving_variance
    return this.scaleAndShift(
      this.standardize(
        x,
        mean,
        variance.map((v) => 1 / Math.sqrt(v + this.epsilon)),
      ),
    );
  }
}

export default createPlainTs(
  { layers: { ...KERAS_LAYERS, BatchNormalization: (spec, context) => new BatchStatisticsAlways(spec as BatchNormalizationLayer['spec'], context) } },
  'batchnorm-batch-statistics',
);
