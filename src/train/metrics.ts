import type { F32Tensor } from '../tensor.js';
import type { LossName } from './config.js';

/** Keras's fuzz factor, K.epsilon(): the clip bound of categorical cross-entropy. */
export const KERAS_EPSILON = 1e-7;

/**
 * Keras 2 (TF backend) categorical_crossentropy on probabilities: rescale each row to sum 1, clip to
 * [eps, 1-eps], -Σ y·log p. The clip is why a saturated wrong answer costs exactly -ln(1e-7) ≈ 16.118.
 * Computed in float64 per row; Keras's float32 batch means agree to ~1e-7.
 */
export function crossEntropyRow(p: Float32Array, y: Float32Array, off: number, k: number): number {
  let sum = 0;
  for (let j = 0; j < k; j++) sum += p[off + j]!;
  let loss = 0;
  for (let j = 0; j < k; j++) {
    const t = y[off + j]!;
    if (t === 0) continue;
    const q = Math.min(Math.max(p[off + j]! / sum, KERAS_EPSILON), 1 - KERAS_EPSILON);
    loss -= t * Math.log(q);
  }
  return loss;
}

export function squaredErrorRow(p: Float32Array, y: Float32Array, off: number, k: number): number {
  let s = 0;
  for (let j = 0; j < k; j++) s += (p[off + j]! - y[off + j]!) ** 2;
  return s / k;
}

/** numpy argmax: the first index of the maximum, where a NaN counts as the maximum (as in src/preprocess argmax). */
export function argmaxRow(p: ArrayLike<number>, off: number, k: number): number {
  let best = 0;
  for (let j = 0; j < k; j++) {
    const v = p[off + j]!;
    if (Number.isNaN(v)) return j;
    if (v > p[off + best]!) best = j;
  }
  return best;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  /** predicted class per sample (Keras predict_classes) */
  predictions: Uint8Array;
  samples: number;
  /**
   * Of the wrong answers, the share whose probability for the true class is at or below the clip bound:
   * the signature of saturated, one-hot outputs (seed 000's collapse). 0 when nothing is wrong.
   */
  saturatedWrongShare: number;
}

/** Keras `model.evaluate` on probabilities and one-hot targets: mean loss and categorical accuracy. */
export function evaluateProbabilities(probs: F32Tensor, yOneHot: F32Tensor, loss: LossName): Evaluation {
  const n = probs.shape[0]!;
  const k = probs.shape[1]!;
  if (yOneHot.shape[0] !== n || yOneHot.shape[1] !== k) {
    throw new RangeError(`evaluate: predictions (${probs.shape.join(', ')}) and targets (${yOneHot.shape.join(', ')}) differ in shape`);
  }
  const rowLoss = loss === 'categorical_crossentropy' ? crossEntropyRow : squaredErrorRow;
  let total = 0;
  let correct = 0;
  let saturatedWrong = 0;
  const predictions = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    total += rowLoss(probs.data, yOneHot.data, i * k, k);
    const pred = argmaxRow(probs.data, i * k, k);
    const label = argmaxRow(yOneHot.data, i * k, k);
    predictions[i] = pred;
    if (pred === label) correct++;
    else if (probs.data[i * k + label]! <= KERAS_EPSILON) saturatedWrong++;
  }
  const wrong = n - correct;
  return { loss: total / n, accuracy: correct / n, predictions, samples: n, saturatedWrongShare: wrong ? saturatedWrong / wrong : 0 };
}
