/**
 * @fault Dense reads its kernel as [units, in] (PyTorch's nn.Linear layout) instead of Keras's [in, units]
 *
 * The weights arrive in Keras layout and are stored untouched, so get/set_weights and the parameter counts are all
 * right; only the matrix product indexes them the other way round.
 */
import { matmulTransposedB } from '../plain-ts/gemm.js';
import { createPlainTs, KERAS_LAYERS } from '../plain-ts/index.js';
import { addBias, DenseLayer } from '../plain-ts/layers.js';

class DenseTransposed extends DenseLayer {
  override affine(x: Float32Array, rows: number): Float32Array {
    // BUG: x · Wᵀ with W read as [units, in], PyTorch's y = x Aᵀ + b
    const z = matmulTransposedB(x, this.weights.kernel!, rows, this.inDim, this.spec.units);
    if (this.weights.bias) addBias(z, this.weights.bias);
    return z;
  }
}

export default createPlainTs(
  { layers: { ...KERAS_LAYERS, Dense: (spec, context) => new DenseTransposed(spec as DenseLayer['spec'], context) } },
  'dense-kernel-transposed',
);
