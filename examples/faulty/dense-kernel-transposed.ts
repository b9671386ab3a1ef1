/**
 * @fault Dense reads its kernel as [units, in] (PyTorch's nn.Linear layout) instead of Keras's [in, units]
 *
 * The weights arrive in Keras layout and are stored untouched, so get/set_weights and the parameter
 * counts are all right; only the matrix product indexes them the other way round.
 */
import { createAdapter } from '../minimal-adapter/index.js';

export default createAdapter(
  {
    dense(x, rows, inDim, kernel, bias, units) {
      const out = new Float32Array(rows * units);
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < units; j++) {
          let s = bias ? bias[j]! : 0;
          for (let i = 0; i < inDim; i++) s += x[r * inDim + i]! * kernel[j * inDim + i]!; // BUG: W[j, i] of a [units, in] matrix
          out[r * units + j] = s;
        }
      return out;
    },
  },
  'dense-kernel-transposed',
);
