import { ArgumentError } from '../errors.js';
import type { F32Tensor, Tensor } from '../tensor.js';

/** numpy `x.astype('float32')`: a new float32 tensor (astype copies), each value rounded to float32. */
export function toFloat32(x: Tensor): F32Tensor {
  return { shape: [...x.shape], data: Float32Array.from(x.data) };
}

/**
 * `x.astype('float32') / 255`, as the notebooks do it (001–004): numpy divides float32 by 255 in
 * float32. Math.fround(v / 255) is that correctly rounded float32 quotient: v is exact in a double, and
 * a double quotient rounded to float32 never double-rounds (53 ≥ 2·24 + 2 bits).
 * So 0 → 0, 255 → 1 exactly, and every k in 0..255 maps to the float32 nearest k/255.
 */
export function scale255(x: Tensor): F32Tensor {
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.fround(x.data[i]!) / 255;
  return { shape: [...x.shape], data: out };
}

/**
 * Seed 000's `np.divide(X, [np.max(X)])`: every value over the tensor's own maximum, so the maximum
 * becomes exactly 1 (and a second application changes nothing, which is why seed 000, its cell run
 * twice, prints "1.0 1.0" before and after). numpy returns float64 for uint8 input; we return float32,
 * the float64 quotient rounded once (for float32 input numpy's result itself, which is float32).
 * Refused with ArgumentError instead of numpy's NaN/inf: an empty tensor (np.max raises), a NaN value
 * (np.max would make everything NaN), and a maximum that is not positive and finite (0 → 0/0 = NaN;
 * a negative maximum would flip signs rather than scale into [0, 1]).
 */
export function divideByMax(x: Tensor): F32Tensor {
  const d = x.data;
  if (d.length === 0) throw new ArgumentError('x', 'is empty: it has no maximum to divide by');
  let max = -Infinity;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (Number.isNaN(v)) throw new ArgumentError('x', `contains NaN at flat index ${i}`);
    if (v > max) max = v;
  }
  if (!(max > 0 && max < Infinity)) {
    throw new ArgumentError('x', `maximum is ${max}: dividing by it would not scale into [0, 1] (numpy would give NaN or inf)`);
  }
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = d[i]! / max;
  return { shape: [...x.shape], data: out };
}
