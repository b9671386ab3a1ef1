import type { LossName } from 'mnist-spec';

/**
 * Keras 2.2's losses on probabilities (keras/losses.py with the TensorFlow backend), per sample, and their
 * gradients with respect to the probabilities. A batch's loss is the mean over its samples.
 */
export interface Loss {
  /** The loss of one sample: p and y hold its k probabilities and targets at `offset`. */
  value(p: ArrayLike<number>, y: ArrayLike<number>, offset: number, k: number): number;
  /** d(loss of that sample)/dp, written into `dp` at `offset`, times `scale`. */
  gradient(p: ArrayLike<number>, y: ArrayLike<number>, offset: number, k: number, scale: number, dp: Float32Array): void;
}

/** Keras's fuzz factor K.epsilon(): where categorical cross-entropy clips. */
export const EPSILON = 1e-7;

/**
 * categorical_crossentropy on probabilities (tensorflow_backend.py): rescale the row to sum 1, clip to
 * [1e-7, 1 − 1e-7], −Σ y · log. The clip passes no gradient where it binds, so a saturated wrong answer costs
 * exactly −ln(1e-7) ≈ 16.118 and teaches nothing.
 */
export const categoricalCrossentropy: Loss = {
  value(p, y, offset, k) {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += p[offset + j]!;
    let loss = 0;
    for (let j = 0; j < k; j++) {
      const t = y[offset + j]!;
      if (t === 0) continue;
      loss -= t * Math.log(Math.min(Math.max(p[offset + j]! / sum, EPSILON), 1 - EPSILON));
    }
    return loss;
  },
  gradient(p, y, offset, k, scale, dp) {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += p[offset + j]!;
    // Through the clip (zero where it binds), then through q = p / Σp: dp_j = (dq_j − Σ_i dq_i q_i) / Σp.
    let dot = 0;
    const dq = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      const q = p[offset + j]! / sum;
      const t = y[offset + j]!;
      dq[j] = t !== 0 && q >= EPSILON && q <= 1 - EPSILON ? -t / q : 0;
      dot += dq[j]! * q;
    }
    for (let j = 0; j < k; j++) dp[offset + j] = (scale * (dq[j]! - dot)) / sum;
  },
};

/** mean_squared_error: mean over the last axis of (p − y)². */
export const meanSquaredError: Loss = {
  value(p, y, offset, k) {
    let s = 0;
    for (let j = 0; j < k; j++) s += (p[offset + j]! - y[offset + j]!) ** 2;
    return s / k;
  },
  gradient(p, y, offset, k, scale, dp) {
    for (let j = 0; j < k; j++) dp[offset + j] = (scale * 2 * (p[offset + j]! - y[offset + j]!)) / k;
  },
};

export const KERAS_LOSSES: Record<LossName, Loss> = {
  categorical_crossentropy: categoricalCrossentropy,
  mean_squared_error: meanSquaredError,
};

/** The first index of a row's maximum (numpy/TensorFlow argmax). */
export function argmax(v: ArrayLike<number>, offset: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (v[offset + j]! > v[offset + best]!) best = j;
  return best;
}

/** Keras's categorical_accuracy of one sample: 1 when the predicted class is the target's, else 0. */
export function correct(p: ArrayLike<number>, y: ArrayLike<number>, offset: number, k: number): number {
  return argmax(p, offset, k) === argmax(y, offset, k) ? 1 : 0;
}
