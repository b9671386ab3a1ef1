import { ArgumentError } from '../errors.js';
import { shapeString, sizeOf, type Tensor, type TypedArray } from '../tensor.js';

/**
 * numpy `x.reshape(*shape)`: the same row-major values under a new shape, sharing the buffer (numpy
 * returns a view of a contiguous array; so do we — write to a copy if the original must stay intact).
 * One dimension may be -1 and is inferred. The CNN notebook's `X_train.reshape(X_train.shape[0], 28, 28, 1)`
 * is `reshape(x, [n, 28, 28, 1])`: a trailing channel axis of 1, no value moves.
 */
export function reshape<T extends TypedArray>(x: Tensor<T>, shape: readonly number[]): Tensor<T> {
  const size = x.data.length;
  const wildcards = shape.filter((d) => d === -1).length;
  if (wildcards > 1) throw new ArgumentError('shape', `can only specify one unknown dimension (-1), got ${shapeString(shape)}`);
  shape.forEach((d, i) => {
    if (d !== -1 && !(Number.isInteger(d) && d >= 0)) {
      throw new ArgumentError('shape', `shape[${i}] must be a non-negative integer or -1, got ${d}`);
    }
  });
  const known = sizeOf(shape.filter((d) => d !== -1));
  let out = [...shape];
  if (wildcards === 1) {
    if (known === 0 || size % known !== 0) {
      throw new ArgumentError('shape', `cannot reshape tensor of size ${size} into shape ${shapeString(shape)}`);
    }
    out = shape.map((d) => (d === -1 ? size / known : d));
  } else if (known !== size) {
    throw new ArgumentError('shape', `cannot reshape tensor of size ${size} (shape ${shapeString(x.shape)}) into shape ${shapeString(shape)}`);
  }
  return { shape: out, data: x.data };
}

/**
 * `x.reshape(n, -1)`: every sample to one row, keeping row-major pixel order (seed 001's
 * `x_train.reshape(60000, 784)`; what a Keras Flatten layer does per sample). Shares the buffer.
 */
export function flatten<T extends TypedArray>(x: Tensor<T>): Tensor<T> {
  if (x.shape.length < 1) throw new ArgumentError('x', 'cannot flatten a scalar: needs a leading sample axis');
  return { shape: [x.shape[0]!, sizeOf(x.shape.slice(1))], data: x.data };
}
