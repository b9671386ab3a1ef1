/**
 * @fault BatchNormalization uses ε = 1e-5 (PyTorch's default) instead of Keras's 1e-3
 *
 * A one-constant slip when porting: invisible where the variance is large, a few percent where it is small.
 */
import { createPlainTs, KERAS_LAYERS } from '../plain-ts/index.js';
import { BatchNormalizationLayer } from '../plain-ts/layers.js';

class PyTorchEpsilon extends BatchNormalizationLayer {
  override get epsilon(): number {
    return this.spec.epsilon ?? 1e-5; // BUG: torch.nn.BatchNorm2d's eps
  }
}

export default createPlainTs(
  { layers: { ...KERAS_LAYERS, BatchNormalization: (spec, context) => new PyTorchEpsilon(spec as BatchNormalizationLayer['spec'], context) } },
  'batchnorm-epsilon',
);
