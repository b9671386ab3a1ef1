import { expect } from 'vitest';
import type { ActivationName, Architecture } from '../../../src/arch/types.js';
import { KERAS_EPSILON } from '../../../src/train/metrics.js';
import { keras } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';
import { f32 } from './tiny-dense.js';

const spec = conformanceSpecs(import.meta.url);

/**
 * Each activation's gradient, pinned exactly: Dense(4, activation) on 3 inputs, then Dense(2, softmax), four samples
 * in one batch; one SGD step with learning rate 1 moves every weight by minus its gradient, which is held to the same
 * step in float64 (forward, Keras's cross-entropy, backward by hand below). The hidden pre-activations are of both
 * signs and one hidden unit is negative for every sample, so a ReLU whose gradient passes where its output is 0, or
 * leaks, or is dropped, shows; so does a sigmoid or tanh derivative written from the input instead of the output.
 *
 * Tolerance: float32 forward and backward of O(1) values, one update of O(0.1): 1e-6 absolute (observed ≤ 2e-7 for
 * tfjs, engine and plain-ts).
 */
const TOLERANCE = 1e-6;

const X = [
  [0.5, -1.2, 0.3],
  [1.5, 0.2, -0.7],
  [-0.4, 0.9, 1.1],
  [0.8, 0.6, -1.3],
];
const Y = [0, 1, 1, 0];
// [3, 4]: unit 3 has a bias of −3 against inputs of |x| ≤ 1.5 and weights ≤ 0.5: always negative.
const W1 = [0.4, -0.3, 0.2, 0.1, -0.5, 0.6, 0.3, -0.2, 0.25, 0.35, -0.45, 0.5];
const B1 = [0.1, -0.2, 0.05, -3];
const W2 = [0.6, -0.4, -0.3, 0.5, 0.7, 0.2, -0.8, 0.9];
const B2 = [0.02, -0.03];

type Vec = number[];
const ACTIVATIONS: Record<Exclude<ActivationName, 'softmax'>, { f: (z: number) => number; d: (z: number, y: number) => number }> = {
  linear: { f: (z) => z, d: () => 1 },
  relu: { f: (z) => Math.max(z, 0), d: (_z, y) => (y > 0 ? 1 : 0) },
  sigmoid: { f: (z) => 1 / (1 + Math.exp(-z)), d: (_z, y) => y * (1 - y) },
  tanh: { f: Math.tanh, d: (_z, y) => 1 - y * y },
};

function softmax(z: Vec): Vec {
  const top = Math.max(...z);
  const e = z.map((v) => Math.exp(v - top));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** Gradient through softmax: dz = y ⊙ (dy − y·dy). */
const softmaxBack = (y: Vec, dy: Vec): Vec => {
  const dot = y.reduce((a, v, i) => a + v * dy[i]!, 0);
  return y.map((v, i) => v * (dy[i]! - dot));
};

/** One SGD(lr=1) step of the two-layer net in float64: the weights after it, and the loss before it. */
function step(activation: ActivationName): { weights: number[][]; loss: number } {
  const n = X.length;
  const g = { W1: W1.map(() => 0), B1: B1.map(() => 0), W2: W2.map(() => 0), B2: B2.map(() => 0) };
  let loss = 0;
  X.forEach((x, s) => {
    const z1 = [0, 1, 2, 3].map((j) => B1[j]! + x.reduce((a, v, i) => a + v * W1[i * 4 + j]!, 0));
    const h = activation === 'softmax' ? softmax(z1) : z1.map(ACTIVATIONS[activation].f);
    const z2 = [0, 1].map((k) => B2[k]! + h.reduce((a, v, j) => a + v * W2[j * 2 + k]!, 0));
    const p = softmax(z2);
    // Keras's categorical cross-entropy on probabilities: q = p / Σp (clipped, not binding here), −log q[label].
    const sum = p[0]! + p[1]!;
    const q = p.map((v) => v / sum);
    expect(Math.min(...q)).toBeGreaterThan(KERAS_EPSILON);
    loss -= Math.log(q[Y[s]!]!);
    const dq = q.map((v, k) => (k === Y[s] ? -1 / v : 0));
    const dqq = dq.reduce((a, v, k) => a + v * q[k]!, 0);
    const dz2 = softmaxBack(
      p,
      dq.map((v) => (v - dqq) / sum),
    );
    const dh = [0, 1, 2, 3].map((j) => dz2.reduce((a, v, k) => a + v * W2[j * 2 + k]!, 0));
    const dz1 = activation === 'softmax' ? softmaxBack(h, dh) : dh.map((v, j) => v * ACTIVATIONS[activation].d(z1[j]!, h[j]!));
    for (let k = 0; k < 2; k++) {
      g.B2[k] += dz2[k]! / n;
      for (let j = 0; j < 4; j++) g.W2[j * 2 + k] += (h[j]! * dz2[k]!) / n;
    }
    for (let j = 0; j < 4; j++) {
      g.B1[j] += dz1[j]! / n;
      for (let i = 0; i < 3; i++) g.W1[i * 4 + j] += (x[i]! * dz1[j]!) / n;
    }
  });
  const minus = (w: Vec, d: Vec): Vec => w.map((v, i) => v - d[i]!);
  return { weights: [minus(W1, g.W1), minus(B1, g.B1), minus(W2, g.W2), minus(B2, g.B2)], loss: loss / n };
}

for (const activation of ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'] as const) {
  const arch: Architecture = {
    kind: 'sequential',
    inputShape: [3],
    layers: [
      { type: 'Dense', units: 4, activation },
      { type: 'Dense', units: 2, activation: 'softmax' },
    ],
  };
  spec(
    {
      name: activation,
      judges: [`activation:${activation}`, 'layer:Dense:training', 'method:fit'],
      claim: keras('keras/activations.py', `def ${activation}(x`),
      needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Dense'] },
    },
    async (ctx) => {
      const { impl } = ctx;
      const model = await impl.build(arch, { seed: 1 });
      try {
        await model.setWeights([f32(W1, [3, 4]), f32(B1, [4]), f32(W2, [4, 2]), f32(B2, [2])]);
        const y = Y.flatMap((label) => (label ? [0, 1] : [1, 0]));
        const history = await model.fit!(f32(X.flat(), [4, 3]), f32(y, [4, 2]), {
          optimizer: { type: 'sgd', lr: 1 },
          loss: 'categorical_crossentropy',
          batchSize: 4,
          epochs: 1,
          seed: 0,
          shuffle: false,
        });
        const got = (await model.getWeights()).map((w) => Array.from(w.tensor.data));
        const want = step(activation);
        const names = ['dense_1/kernel', 'dense_1/bias', 'dense_2/kernel', 'dense_2/bias'];
        const worst = Math.max(...got.flatMap((w, t) => w.map((v, i) => Math.abs(v - want.weights[t]![i]!))));
        ctx.record({ worst, loss: history.epochs[0]!.loss }, `|Δw| ≤ ${TOLERANCE} after one SGD(lr=1) step; loss ${want.loss}`);
        got.forEach((w, t) =>
          w.forEach((v, i) =>
            expect(Math.abs(v - want.weights[t]![i]!), `${names[t]}[${i}]: ${v}, Keras ${want.weights[t]![i]}`).toBeLessThanOrEqual(TOLERANCE),
          ),
        );
        expect(Math.abs(history.epochs[0]!.loss - want.loss) / want.loss).toBeLessThanOrEqual(TOLERANCE);
      } finally {
        model.dispose();
      }
    },
  );
}
