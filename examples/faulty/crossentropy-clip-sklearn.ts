/**
 * @fault categorical cross-entropy clips probabilities at 1e-15 (scikit-learn's log_loss) instead of Keras's 1e-7
 *
 * The clip decides what a saturated wrong answer costs: −ln(1e-7) ≈ 16.1 in Keras, which is why seed 000 printed a
 * test loss of 8.13 at accuracy 0.4953; −ln(1e-15) ≈ 34.5 here.
 */
import { createPlainTs, KERAS_LOSSES } from '../plain-ts/index.js';
import type { Loss } from '../plain-ts/losses.js';

const EPSILON = 1e-15; // BUG: sklearn.metrics.log_loss's eps

const crossentropy: Loss = {
  value(p, y, offset, k) {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += p[offset + j]!;
    let loss = 0;
    for (let j = 0; j < k; j++) if (y[offset + j]) loss -= y[offset + j]! * Math.log(Math.min(Math.max(p[offset + j]! / sum, EPSILON), 1 - EPSILON));
    return loss;
  },
  gradient(p, y, offset, k, scale, dp) {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += p[offset + j]!;
    const dq = Array.from({ length: k }, (_, j) => {
      const q = p[offset + j]! / sum;
      return y[offset + j] && q >= EPSILON && q <= 1 - EPSILON ? -y[offset + j]! / q : 0;
    });
    const dot = dq.reduce((a, d, j) => a + (d * p[offset + j]!) / sum, 0);
    for (let j = 0; j < k; j++) dp[offset + j] = (scale * (dq[j]! - dot)) / sum;
  },
};

export default createPlainTs({ losses: { ...KERAS_LOSSES, categorical_crossentropy: crossentropy } }, 'crossentropy-clip-sklearn');
