import { expect } from 'vitest';
import type { Architecture } from '../../src/arch/types.js';
import type { Implementation } from '../../src/impl/interface.js';
import type { F32Tensor } from '../../src/tensor.js';
import type { LossName, OptimizerSpec } from '../../src/train/config.js';
import { KERAS_EPSILON } from '../../src/train/metrics.js';
import { referenceOptimizer } from '../../src/train/optimizers-reference.js';
import { keras, seed, type Claim } from '../harness/claims.js';
import { forEachImplementation, spec } from '../harness/spec.js';

/**
 * Keras 2.2's training step pinned on a net small enough to differentiate by hand: Dense(2, softmax) on
 * 3 inputs, the whole 4-sample set as one batch, no shuffling, so epoch k is update k. The expected
 * weights come from float64 gradients (below) and float64 optimizer formulas
 * (src/train/optimizers-reference.ts); the implementation computes in float32.
 */
const TINY: Architecture = { kind: 'sequential', inputShape: [3], layers: [{ type: 'Dense', units: 2, activation: 'softmax' }] };
const X = [
  [0.5, -1.2, 0.3],
  [1.5, 0.2, -0.7],
  [-0.4, 0.9, 1.1],
  [0.8, 0.6, -1.3],
];
const Y = [
  [1, 0],
  [0, 1],
  [0, 1],
  [1, 0],
];
const W0 = [0.2, -0.3, 0.5, 0.1, -0.4, 0.25]; // [3, 2] row-major: Keras's Dense kernel layout [in, out]
const B0 = [0.05, -0.05];

/**
 * Float32 against float64: forward and backward put the gradients within a few ulps of their O(1)
 * size, an update scales that by lr ≤ 0.1 (Adam and RMSprop normalise it away), and storing the O(1)
 * weight rounds once more (6e-8). Observed differences are ≤ 4e-8; 2e-7 absolute holds them with room.
 */
const WEIGHT_TOLERANCE = 2e-7;
/** Each epoch's loss is a float32 batch mean of O(1) values: 1e-6 relative. */
const LOSS_TOLERANCE = 1e-6;

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
function reference(W: Float64Array, b: Float64Array, loss: LossName, x = X, y = Y): Reference {
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

const f32 = (values: number[], shape: number[]): F32Tensor => ({ shape, data: Float32Array.from(values) });

/** Train the tiny net `steps` updates through the interface; return its weights and epoch losses. */
async function train(impl: Implementation, optimizer: OptimizerSpec, loss: LossName, steps: number, w0 = W0, b0 = B0, x = X, y = Y) {
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
function expected(optimizer: OptimizerSpec, loss: LossName, steps: number, w0 = W0, b0 = B0, x = X, y = Y) {
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

/**
 * Inputs scaled by 1e-6 make the kernel's gradients ~5e-7, the size of epsilon: where epsilon sits
 * (Keras: outside the square root, against the uncorrected sqrt(v)) then changes the update by tens of percent.
 */
const TINY_X = X.map((row) => row.map((v) => v * 1e-6));

const CASES: { id: string; claim: Claim; optimizer: OptimizerSpec; loss?: LossName; steps: number; x?: number[][] }[] = [
  { id: 'sgd:lr=0.1', claim: keras('keras/optimizers.py SGD.get_updates', 'new_p = p - lr * g'), optimizer: { type: 'sgd', lr: 0.1 }, steps: 2 },
  {
    id: 'sgd:momentum=0.9',
    claim: keras('keras/optimizers.py SGD.get_updates', 'v = self.momentum * m - lr * g  # velocity'),
    optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 },
    steps: 3,
  },
  {
    id: 'sgd:momentum=0.9,nesterov',
    claim: keras('keras/optimizers.py SGD.get_updates', 'new_p = p + self.momentum * v - lr * g'),
    optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true },
    steps: 3,
  },
  {
    id: 'sgd:decay=0.5',
    claim: keras('keras/optimizers.py SGD.get_updates', 'lr = lr * (1. / (1. + self.decay * K.cast(self.iterations, K.dtype(self.decay))))'),
    optimizer: { type: 'sgd', lr: 0.1, decay: 0.5 },
    steps: 3,
  },
  {
    id: 'rmsprop:defaults',
    claim: keras('keras/optimizers.py RMSprop.get_updates', 'new_p = p - lr * g / (K.sqrt(new_a) + self.epsilon)'),
    optimizer: { type: 'rmsprop' },
    steps: 3,
  },
  {
    id: 'rmsprop:epsilon',
    claim: keras('keras/optimizers.py RMSprop.get_updates', 'new_p = p - lr * g / (K.sqrt(new_a) + self.epsilon)'),
    optimizer: { type: 'rmsprop', lr: 0.1 },
    steps: 3,
    x: TINY_X,
  },
  {
    id: 'adam:epsilon',
    claim: keras('keras/optimizers.py Adam.get_updates', 'p_t = p - lr_t * m_t / (K.sqrt(v_t) + self.epsilon)'),
    optimizer: { type: 'adam', lr: 0.01 },
    steps: 3,
    x: TINY_X,
  },
  {
    id: 'adam:defaults',
    claim: keras('keras/optimizers.py Adam.get_updates', 'lr_t = lr * (K.sqrt(1. - K.pow(self.beta_2, t)) / (1. - K.pow(self.beta_1, t)))'),
    optimizer: { type: 'adam' },
    steps: 3,
  },
  {
    id: 'adam:amsgrad',
    claim: keras('keras/optimizers.py Adam.get_updates', 'vhat_t = K.maximum(vhat, v_t)'),
    optimizer: { type: 'adam', lr: 0.01, amsgrad: true },
    steps: 3,
  },
  {
    id: 'sgd:loss=mean_squared_error',
    claim: keras('keras/losses.py mean_squared_error', 'return K.mean(K.square(y_pred - y_true), axis=-1)'),
    optimizer: { type: 'sgd', lr: 0.1 },
    loss: 'mean_squared_error',
    steps: 2,
  },
];

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

forEachImplementation((impl) => {
  for (const c of CASES) {
    const loss = c.loss ?? 'categorical_crossentropy';
    spec(
      {
        id: `train:optimizer:${c.id}`,
        claim: c.claim,
        needs: { train: { optimizer: c.optimizer.type, loss }, layers: ['Dense'] },
      },
      async (ctx) => {
        const x = c.x ?? X;
        const got = await train(impl, c.optimizer, loss, c.steps, W0, B0, x);
        const want = expected(c.optimizer, loss, c.steps, W0, B0, x);
        const dw = Math.max(maxDiff(got.w, want.w), maxDiff(got.b, want.b));
        ctx.record({ maxWeightDiff: dw, losses: got.losses }, `|Δw| ≤ ${WEIGHT_TOLERANCE} against float64 after ${c.steps} steps`);
        // The updates must have moved the weights well beyond the tolerance, or the comparison proves nothing.
        expect(maxDiff(want.w, W0)).toBeGreaterThan(1000 * WEIGHT_TOLERANCE);
        expect(dw).toBeLessThanOrEqual(WEIGHT_TOLERANCE);
        // Keras reports each batch's loss as computed before that batch's update.
        got.losses.forEach((l, i) => expect(Math.abs(l - want.losses[i]!) / want.losses[i]!, `epoch ${i + 1} loss`).toBeLessThanOrEqual(LOSS_TOLERANCE));
      },
    );
  }

  spec(
    {
      id: 'train:loss:crossentropy-clip:saturated-wrong',
      // Seed 000 trained on 0..255 pixels until its softmax saturated: every wrong test answer then costs
      // exactly -ln(1e-7), and (1 - 0.4953) · 16.1181 = 8.1348 is the test loss it printed.
      claim: seed('000', 'Test loss: 8.13480284729'),
      needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Dense'] },
    },
    async (ctx) => {
      // z = (20, -20): p ≈ (1, 4e-18) for a sample of class 1, so q₁ is clipped up to 1e-7.
      const x = [[1, 0, 0]];
      const y = [[0, 1]];
      const w0 = [20, -20, 0, 0, 0, 0];
      const b0 = [0, 0];
      const got = await train(impl, { type: 'sgd', lr: 0.5 }, 'categorical_crossentropy', 2, w0, b0, x, y);
      ctx.record(got, `loss -ln(1e-7) = ${-Math.log(KERAS_EPSILON)}, weights unchanged`);
      for (const l of got.losses) expect(Math.abs(l + Math.log(KERAS_EPSILON))).toBeLessThanOrEqual(LOSS_TOLERANCE * 16.2);
      // The clip passes no gradient, so however large the learning rate, nothing moves.
      expect(got.w).toEqual(w0);
      expect(got.b).toEqual(b0);
    },
  );
});
