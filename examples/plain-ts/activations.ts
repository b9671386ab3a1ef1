import type { ActivationName } from 'mnist-spec';

/**
 * Keras's activations, forward and backward. `lastDim` is the size of the last axis: softmax normalises each
 * consecutive group of that many values (one sample's classes); the others work element by element.
 * Backward takes the activation's output `y` and the gradient of the loss with respect to it, and returns the
 * gradient with respect to its input, as TensorFlow's gradients of these ops do (ReluGrad, SigmoidGrad, TanhGrad).
 */
export interface Activation {
  forward(z: Float32Array, lastDim: number): Float32Array;
  backward(y: Float32Array, dy: Float32Array, lastDim: number): Float32Array;
}

export const linear: Activation = {
  forward: (z) => z,
  backward: (_y, dy) => dy,
};

/** y[i] = f(z[i]) for every value. */
function elementwise(z: Float32Array, f: (v: number) => number): Float32Array {
  const y = new Float32Array(z.length);
  for (let i = 0; i < z.length; i++) y[i] = f(z[i]!);
  return y;
}

export const relu: Activation = {
  forward(z) {
    const y = new Float32Array(z.length);
    for (let i = 0; i < z.length; i++) y[i] = z[i]! > 0 ? z[i]! : 0;
    return y;
  },
  backward(y, dy) {
    // The gradient passes where the output is positive.
    const dz = new Float32Array(dy.length);
    for (let i = 0; i < dy.length; i++) dz[i] = y[i]! > 0 ? dy[i]! : 0;
    return dz;
  },
};

export const sigmoid: Activation = {
  // Written so that no exponential overflows: for large |z| it saturates at exactly 0 or 1, as tf.sigmoid does.
  forward: (z) => elementwise(z, (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)))),
  backward(y, dy) {
    const dz = new Float32Array(dy.length);
    for (let i = 0; i < dy.length; i++) dz[i] = dy[i]! * y[i]! * (1 - y[i]!);
    return dz;
  },
};

export const tanh: Activation = {
  forward: (z) => elementwise(z, Math.tanh),
  backward(y, dy) {
    const dz = new Float32Array(dy.length);
    for (let i = 0; i < dy.length; i++) dz[i] = dy[i]! * (1 - y[i]! * y[i]!);
    return dz;
  },
};

export const softmax: Activation = {
  forward(z, lastDim) {
    const y = new Float32Array(z.length);
    for (let row = 0; row < z.length; row += lastDim) {
      // Subtracting the row's maximum keeps exp() finite for any logits (0–255 pixels make them large).
      let max = -Infinity;
      for (let j = 0; j < lastDim; j++) max = Math.max(max, z[row + j]!);
      let sum = 0;
      for (let j = 0; j < lastDim; j++) sum += Math.exp(z[row + j]! - max);
      for (let j = 0; j < lastDim; j++) y[row + j] = Math.exp(z[row + j]! - max) / sum;
    }
    return y;
  },
  backward(y, dy, lastDim) {
    // dz = y ⊙ (dy − Σ_j y_j dy_j), per row.
    const dz = new Float32Array(y.length);
    for (let row = 0; row < y.length; row += lastDim) {
      let dot = 0;
      for (let j = 0; j < lastDim; j++) dot += y[row + j]! * dy[row + j]!;
      for (let j = 0; j < lastDim; j++) dz[row + j] = y[row + j]! * (dy[row + j]! - dot);
    }
    return dz;
  },
};

export const KERAS_ACTIVATIONS: Record<ActivationName, Activation> = { linear, relu, sigmoid, tanh, softmax };
