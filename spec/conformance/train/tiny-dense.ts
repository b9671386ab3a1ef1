import type { Architecture } from '../../../src/arch/types.js';
import type { Implementation } from '../../../src/impl/interface.js';
import type { F32Tensor } from '../../../src/tensor.js';
import type { LossName, OptimizerSpec } from '../../../src/train/config.js';
import { KERAS_EPSILON } from '../../../src/train/metrics.js';
import { referenceOptimizer } from '../../../src/train/optimizers-reference.js';

/**
 * Keras 2.2's training step pinned on a net small enough to differentiate by hand: Dense(2, softmax) on
 * 3 inputs, the whole 4-sample set as one batch, no shuffling, so epoch k is update k. The expected
 * weights come from float64 gradients (below) and float64 optimizer formulas
 * (src/train/optimizers-reference.ts); the implementation computes in float32.
 */
export const TINY: Architecture = { kind: 'sequential', inputShape: [3], layers: [{ type: 'Dense', units: 2, activation: 'softmax' }] };
export const X = [
  [0.5, -1.2, 0.3],
  [1.5, 0.2, -0.7],
  [-0.4, 0.9, 1.1],
  [0.8, 0.6, -1.3],
];
export const Y = [
  [1, 0],
  [0, 1],
  [0, 1],
  [1, 0],
];
export const W0 = [0.2, -0.3, 0.5, 0.1, -0.4, 0.25]; // [3, 2] row-major: Keras's Dense kernel layout [in, out]
export const B0 = [0.05, -0.05];

/**
 * Float32 against float64: forward and backward put the gradients within a few ulps of their O(1)
 * size, an update scales that by lr ≤ 0.1 (Adam and RMSprop normalise it away), and storing the O(1)
 * weight rounds once more (6e-8). Observed differences are ≤ 4e-8; 2e-7 absolute holds them with room.
 */
export const WEIGHT_TOLERANCE = 2e-7;
/** Each epoch's loss is a float32 batch mean of O(1) values: 1e-6 relative. */
export const LOSS_TOLERANCE = 1e-6;

interface Reference {
  loss: number;
  gW: Float64Array;
  gb: Float64Array;
}

/**
 * Batch-mean loss and its gradients for Dense(2, softmax), in float64, as Keras's graph differentiates it.
 * categorical_crossentropy: q = p / Σp, clipped to [1e-7, 1 - 1e-7] (no gradient where the clip binds),
 * L = -Σ y log q. mean_squared_error: L = mean_j (p_j - y_j)². Then through softmax: dz = p ⊙ (dp - p·dp).
 */
export function reference(W: Float64Array, b: Float64Array, loss: LossName, x = X, y = Y): Reference {
  const n = x.length;
  const gW = new Float64Array(6);
  const gb = new Float64Array(2);
  let total = 0;
  x.forEach((xi, s) => {
    const z = [0, 1].map((k) => b[k]! + xi.reduce((acc, v, a) => acc + v * W[a * 2 + k]!, 0));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const p = e.map((v) => v / (e[0]! + e[1]!));
    const t = y[s]!;
    let dp: number[];
    if (loss === 'categorical_crossentropy') {
      const sum = p[0]! + p[1]!;
      const q = p.map((v) => v / sum);
      const inside = q.map((v) => v >= KERAS_EPSILON && v <= 1 - KERAS_EPSILON);
      const qc = q.map((v) => Math.min(Math.max(v, KERAS_EPSILON), 1 - KERAS_EPSILON));
      total -= t.reduce((acc, v, j) => acc + v * Math.log(qc[j]!), 0);
      const dq = q.map((v, j) => (inside[j] ? -t[j]! / v : 0));
      const dqq = dq.reduce((acc, v, i) => acc + v * q[i]!, 0);
      dp = dq.map((v) => (v - dqq) / sum);
    } else {
      total += ((p[0]! - t[0]!) ** 2 + (p[1]! - t[1]!) ** 2) / 2;
      dp = p.map((v, j) => (2 * (v - t[j]!)) / 2);
    }
    const pdp = p[0]! * dp[0]! + p[1]! * dp[1]!;
    const dz = p.map((v, k) => v * (dp[k]! - pdp));
    for (let k = 0; k < 2; k++) {
      gb[k] += dz[k]! / n;
      for (let a = 0; a < 3; a++) gW[a * 2 + k] += (xi[a]! * dz[k]!) / n;
    }
  });
  return { loss: total / n, gW, gb };
}

export const f32 = (values: number[], shape: number[]): F32Tensor => ({ shape, data: Float32Array.from(values) });

/** Train the tiny net `steps` updates through the interface; return its weights and epoch losses. */
export async function train(impl: Implementation, optimizer: OptimizerSpec, loss: LossName, steps: number, w0 = W0, b0 = B0, x = X, y = Y) {
  const model = await impl.build(TINY, { seed: 1 });
  try {
    await model.setWeights([f32(w0, [3, 2]), f32(b0, [2])]);
    const history = await model.fit!(f32(x.flat(), [x.length, 3]), f32(y.flat(), [y.length, 2]), {
      optimizer,
      loss,
      batchSize: x.length,
      epochs: steps,
      seed: 0,
      shuffle: false,
    });
    const [w, b] = await model.getWeights();
    return { w: Array.from(w!.tensor.data), b: Array.from(b!.tensor.data), losses: history.epochs.map((e) => e.loss) };
  } finally {
    model.dispose();
  }
}

/** The float64 run of the same steps: weights after them and the loss before each. */
export function expected(optimizer: OptimizerSpec, loss: LossName, steps: number, w0 = W0, b0 = B0, x = X, y = Y) {
  const W = Float64Array.from(w0);
  const b = Float64Array.from(b0);
  const opt = referenceOptimizer(optimizer);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const r = reference(W, b, loss, x, y);
    losses.push(r.loss);
    opt.step([W, b], [r.gW, r.gb]);
  }
  return { w: Array.from(W), b: Array.from(b), losses };
}
