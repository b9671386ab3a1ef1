/**
 * @fault Flatten orders values channels-first (C, H, W), as PyTorch's flatten of an NCHW tensor does, instead of Keras's (H, W, C)
 *
 * The channels-first/channels-last confusion of every Keras ↔ PyTorch port: shapes all agree, and the Dense layer
 * after Flatten silently reads permuted inputs (and, in training, sends its gradient back permuted the same way).
 */
import { createPlainTs, KERAS_LAYERS } from '../plain-ts/index.js';
import { FlattenLayer, type Backward } from '../plain-ts/layers.js';

class ChannelsFirstFlatten extends FlattenLayer {
  /** (h, w, c) → (c, h, w) order per sample, or back. */
  private permute(v: Float32Array, back: boolean): Float32Array {
    if (this.spec.inputShape.length !== 3) return v;
    const [h, w, c] = this.spec.inputShape as [number, number, number];
    const per = h * w * c;
    const out = new Float32Array(v.length);
    for (let s = 0; s < v.length / per; s++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let ch = 0; ch < c; ch++) {
            const hwc = s * per + (y * w + x) * c + ch;
            const chw = s * per + (ch * h + y) * w + x; // BUG: (c, h, w) order
            if (back) out[hwc] = v[chw]!;
            else out[chw] = v[hwc]!;
          }
    return out;
  }
  override forward(x: Float32Array): Float32Array {
    return this.permute(x, false);
  }
  override backward(dy: Float32Array): Backward {
    return { dx: this.permute(dy, true), grads: {} };
  }
}

export default createPlainTs(
  { layers: { ...KERAS_LAYERS, Flatten: (spec, context) => new ChannelsFirstFlatten(spec as FlattenLayer['spec'], context) } },
  'flatten-channels-first',
);
