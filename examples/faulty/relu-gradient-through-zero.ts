/**
 * @fault ReLU's gradient passes where its output is 0 (the derivative written as y >= 0 from the output), so switched-off units still learn
 *
 * TensorFlow's ReluGrad passes the gradient only where the output is positive; with `>=` every unit a ReLU switched
 * off (output exactly 0) passes its gradient back as if it were linear.
 */
import { createPlainTs, KERAS_ACTIVATIONS } from '../plain-ts/index.js';

export default createPlainTs(
  {
    activations: {
      ...KERAS_ACTIVATIONS,
      relu: {
        ...KERAS_ACTIVATIONS.relu,
        backward(y, dy) {
          const dz = new Float32Array(dy.length);
          for (let i = 0; i < dy.length; i++) dz[i] = y[i]! >= 0 ? dy[i]! : 0; // BUG: ≥, and a ReLU's output is never negative
          return dz;
        },
      },
    },
  },
  'relu-gradient-through-zero',
);
