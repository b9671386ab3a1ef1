/**
 * @fault Dense ignores its bias (the kernel is applied, the bias is stored but never added)
 *
 * Easy to miss: with Keras's zero-initialised biases a freshly built model gives exactly the right output, and
 * every weight round-trips through get/set_weights.
 */
import { matmul } from '../plain-ts/gemm.js';
import { createPlainTs, KERAS_LAYERS } from '../plain-ts/index.js';
import { DenseLayer } from '../plain-ts/layers.js';

class DenseWithoutBias extends DenseLayer {
  override affine(x: Float32Array, rows: number): Float32Array {
    return matmul(x, this.weights.kernel!, rows, this.inDim, this.spec.units); // BUG: + bias forgotten
  }
}

export default createPlainTs(
  { layers: { ...KERAS_LAYERS, Dense: (spec, context) => new DenseWithoutBias(spec as DenseLayer['spec'], context) } },
  'dense-no-bias',
);
