/**
 * @fault Flatten orders values channels-first (C, H, W), as PyTorch's flatten of an NCHW tensor does, instead of Keras's (H, W, C)
 *
 * The channels-first/channels-last confusion of every Keras ↔ PyTorch port: shapes all agree, and the
 * Dense layer after Flatten silently reads permuted inputs.
 */
import { createAdapter } from '../minimal-adapter/index.js';

export default createAdapter(
  {
    flatten(x, n, shape) {
      if (shape.length !== 3) return x;
      const [h, w, c] = shape as [number, number, number];
      const out = new Float32Array(x.length);
      for (let s = 0; s < n; s++)
        for (let y = 0; y < h; y++)
          for (let xx = 0; xx < w; xx++)
            for (let ch = 0; ch < c; ch++) out[s * h * w * c + (ch * h + y) * w + xx] = x[s * h * w * c + (y * w + xx) * c + ch]!; // BUG: (c, h, w) order
      return out;
    },
  },
  'flatten-channels-first',
);
