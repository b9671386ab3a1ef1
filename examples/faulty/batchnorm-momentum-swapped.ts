/**
 * @fault BatchNormalization's moving average weighs the new batch by momentum and the old value by 1 − momentum (PyTorch's convention) while keeping Keras's momentum 0.99
 *
 * Keras: moving = momentum · moving + (1 − momentum) · batch, momentum 0.99. PyTorch: moving = (1 − momentum) ·
 * moving + momentum · batch, momentum 0.1. Taking Keras's number into PyTorch's formula makes the moving
 * statistics follow the last batch almost alone.
 */
import { createPlainTs, KERAS_LAYERS } from '../plain-ts/index.js';
import { BatchNormalizationLayer } from '../plain-ts/layers.js';

class SwappedMomentum extends BatchNormalizationLayer {
  override get momentum(): number {
    return 1 - (this.spec.momentum ?? 0.99); // BUG: Keras's momentum read as PyTorch's
  }
}

export default createPlainTs(
  { layers: { ...KERAS_LAYERS, BatchNormalization: (spec, context) => new SwappedMomentum(spec as BatchNormalizationLayer['spec'], context) } },
  'batchnorm-momentum-swapped',
);
