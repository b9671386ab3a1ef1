/**
 * @fault BatchNormalization uses ε = 1e-5 (PyTorch's default) instead of Keras's 1e-3
 *
 * A one-constant slip when porting: invisible where the moving variance is large, a few percent where it is small.
 */
import { createAdapter, KERAS_KERNELS } from '../minimal-adapter/index.js';

export default createAdapter(
  {
    batchNorm(x, n, c, w, _epsilon) {
      return KERAS_KERNELS.batchNorm(x, n, c, w, 1e-5); // BUG: ignores the layer's epsilon (Keras default 1e-3)
    },
  },
  'batchnorm-epsilon',
);
