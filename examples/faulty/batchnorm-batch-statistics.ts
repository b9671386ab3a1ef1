/**
 * @fault BatchNormalization normalises with the batch's own mean and variance at inference instead of the moving statistics
 *
 * Training-mode batch norm in predict: outputs then depend on which other samples share the batch.
 */
import { createAdapter } from '../minimal-adapter/index.js';

export default createAdapter(
  {
    batchNorm(x, _n, c, { gamma, beta }, epsilon) {
      const count = x.length / c;
      const mean = new Float64Array(c);
      const variance = new Float64Array(c);
      x.forEach((v, i) => (mean[i % c]! += v / count));
      x.forEach((v, i) => (variance[i % c]! += (v - mean[i % c]!) ** 2 / count));
      // BUG: batch statistics instead of movingMean / movingVariance
      return x.map((v, i) => ((v - mean[i % c]!) / Math.sqrt(variance[i % c]! + epsilon)) * gamma[i % c]! + beta[i % c]!);
    },
  },
  'batchnorm-batch-statistics',
);
