/**
 * @fault Dense ignores its bias (the kernel is applied, the bias is stored but never added)
 *
 * Easy to miss: with Keras's zero-initialised biases a freshly built model gives exactly the right
 * output, and every weight round-trips through get/set_weights.
 */
import { createAdapter, KERAS_KERNELS } from '../minimal-adapter/index.js';

export default createAdapter(
  {
    dense(x, rows, inDim, kernel, _bias, units) {
      return KERAS_KERNELS.dense(x, rows, inDim, kernel, undefined /* BUG: bias dropped */, units);
    },
  },
  'dense-no-bias',
);
