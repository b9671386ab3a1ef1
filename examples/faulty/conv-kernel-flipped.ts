/**
 * @fault Conv2D flips its kernel spatially (a true convolution, as scipy.signal.convolve2d computes) instead of Keras's cross-correlation
 *
 * Deep-learning "convolution" does not flip the kernel; the signal-processing one does.
 */
import { createAdapter, KERAS_KERNELS } from '../minimal-adapter/index.js';

export default createAdapter(
  {
    conv2d(x, n, input, kernel, bias, k) {
      const [kh, kw] = k.kernelSize;
      const c = input[2];
      const f = k.filters;
      const flipped = new Float32Array(kernel.length);
      for (let i = 0; i < kh; i++)
        for (let j = 0; j < kw; j++)
          for (let ch = 0; ch < c; ch++)
            for (let o = 0; o < f; o++) flipped[((i * kw + j) * c + ch) * f + o] = kernel[(((kh - 1 - i) * kw + (kw - 1 - j)) * c + ch) * f + o]!; // BUG
      return KERAS_KERNELS.conv2d(x, n, input, flipped, bias, k);
    },
  },
  'conv-kernel-flipped',
);
