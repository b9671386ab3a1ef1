import { ArgumentError } from '../errors.js';
import type { F32Tensor, Tensor } from '../tensor.js';

/** Class labels: a tensor (e.g. load_data's uint8 y_train, shape [n]) or plain numbers. */
export type Labels = Tensor | ArrayLike<number>;

function isTensor(y: Labels): y is Tensor {
  return 'shape' in y && 'data' in y;
}

/**
 * keras.utils.to_categorical (Keras 2.2, np_utils.py): float32 one-hot, shape = labels' shape + [numClasses],
 * except a trailing axis of 1 is dropped first ([n, 1] → [n, numClasses]), as Keras does.
 * numClasses omitted → max(labels) + 1, as Keras does.
 * Where Keras would quietly do something else, we throw ArgumentError naming the first offending label:
 * a non-integer or NaN (Keras truncates through np.array(y, dtype='int')), a negative label (numpy
 * indexing wraps -1 to the last class), a label ≥ numClasses (numpy raises IndexError). An explicit
 * numClasses must be a positive integer (Keras reads 0 as "omitted"; we take it for a mistake).
 */
export function toCategorical(labels: Labels, numClasses?: number): F32Tensor {
  const values: ArrayLike<number> = isTensor(labels) ? labels.data : labels;
  let inShape: readonly number[] = isTensor(labels) ? labels.shape : [values.length];
  if (inShape.length > 1 && inShape[inShape.length - 1] === 1) inShape = inShape.slice(0, -1);

  if (numClasses !== undefined && !(Number.isInteger(numClasses) && numClasses >= 1)) {
    throw new ArgumentError('numClasses', `must be a positive integer, got ${numClasses}`);
  }
  const bound = numClasses === undefined ? '' : ` < numClasses (${numClasses})`;
  let max = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || (numClasses !== undefined && v >= numClasses)) {
      throw new ArgumentError('labels', `labels[${i}] is ${v}: every label must be an integer with 0 <= label${bound}`);
    }
    if (v > max) max = v;
  }
  if (numClasses === undefined && values.length === 0) {
    throw new ArgumentError('labels', 'is empty: give numClasses, there is no maximum to infer it from');
  }
  const k = numClasses ?? max + 1;
  const out = new Float32Array(values.length * k);
  for (let i = 0; i < values.length; i++) out[i * k + values[i]!] = 1;
  return { shape: [...inShape, k], data: out };
}

/**
 * numpy `argmax(axis=-1)`: for each row of the last axis, the first index of its maximum (ties go to the
 * lower class). As in numpy, NaN counts as the maximum: a row containing NaN gives its first NaN's index.
 * Returns one class per row, as Uint8Array when classes fit a byte (≤ 256), else Int32Array.
 */
export function argmax(probs: Tensor): Uint8Array | Int32Array {
  const k = probs.shape[probs.shape.length - 1];
  if (k === undefined || k < 1) {
    throw new ArgumentError('probs', `needs a non-empty last axis, got shape [${probs.shape.join(', ')}]`);
  }
  const p = probs.data;
  const rows = p.length / k;
  const out = k <= 256 ? new Uint8Array(rows) : new Int32Array(rows);
  for (let r = 0, off = 0; r < rows; r++, off += k) {
    let best = 0;
    if (!Number.isNaN(p[off])) {
      for (let j = 1; j < k; j++) {
        const v = p[off + j]!;
        if (Number.isNaN(v)) {
          best = j;
          break;
        }
        if (v > p[off + best]!) best = j;
      }
    }
    out[r] = best;
  }
  return out;
}

/**
 * Keras 2.2 `Sequential.predict_classes` applied to `model.predict`'s probabilities: argmax over classes
 * when there are several outputs (seed 003's `predict_classes` → `array([7])`), and `(p > 0.5)` as 0/1
 * for a single sigmoid output.
 */
export function predictClasses(probs: Tensor): Uint8Array | Int32Array {
  if (probs.shape[probs.shape.length - 1] !== 1) return argmax(probs);
  return Uint8Array.from(probs.data, (v) => (v > 0.5 ? 1 : 0));
}
