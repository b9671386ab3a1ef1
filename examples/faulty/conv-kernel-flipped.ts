/**
 * @fault Conv2D flips its kernel spatially (a true convolution, as scipy.signal.convolve2d computes) instead of Keras's cross-correlation
 *
 * Deep-learning "convolution" does not flip the kernel; the signal-processing one does.
 */
import { Conv2DLayer } from '../plain-ts/conv.js';
import { createPlainTs, KERAS_LAYERS } from '../plain-ts/index.js';

class FlippedConv2D extends Conv2DLayer {
  override kernelMatrix(): Float32Array {
    const [kh, kw] = this.spec.kernelSize;
    const c = this.spec.inputShape[2]!;
    const f = this.spec.filters;
    const kernel = this.weights.kernel!;
    const flipped = new Float32Array(kernel.length);
    for (let i = 0; i < kh; i++)
      for (let j = 0; j < kw; j++)
        for (let ch = 0; ch < c; ch++)
          for (let o = 0; o < f; o++) flipped[((i * kw + j) * c + ch) * f + o] = kernel[(((kh - 1 - i) * kw + (kw - 1 - j)) * c + ch) * f + o]!; // BUG
    return flipped;
  }
}

export default createPlainTs(
  { layers: { ...KERAS_LAYERS, Conv2D: (spec, context) => new FlippedConv2D(spec as Conv2DLayer['spec'], context) } },
  'conv-kernel-flipped',
);
