import { expect } from 'vitest';
import type { Architecture } from '../../../src/arch/types.js';
import { keras } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';

const spec = conformanceSpecs(import.meta.url);

/**
 * BatchNormalization's moving statistics after training steps, as Keras 2.2 (TF backend) keeps them:
 * - the batch variance is stored as `variance * n / (n - (1 + epsilon))` (n: values per channel), and for
 *   4-D inputs the statistics come from tf.nn.fused_batch_norm, whose variance already carries n / (n - 1);
 * - K.moving_average_update is TF's assign_moving_average(zero_debias=True): moving = biased / (1 - m^t)
 *   with biased = m·biased + (1 - m)·value, so after one step the moving statistics are that batch's own.
 * Two steps of two samples each (no shuffling), learning rate 0 so only the moving statistics change.
 */
const EPS = 1e-3;
const M = 0.99;
/** float32 statistics of O(1–100) values against float64: 1e-6 relative. */
const TOLERANCE = 1e-6;

/** Two steps' debiased moving average of per-step values (float64). */
function debiased(values: [number, number]): number {
  let biased = 0;
  values.forEach((v) => (biased = M * biased + (1 - M) * v));
  return biased / (1 - M ** 2);
}

/**
 * A channel with no variance (near-zero variances occur in the notebooks' CNNs: border pixels are always 0): its
 * statistics are exactly 0 in float64; E[x²] − E[x]² in float32 at values ~5 leaves ~25·2⁻²⁴ ≈ 1.5e-6, so such a
 * channel is held to 1e-5 absolute, and predict after training (moving variance 0, scale 1/sqrt(ε)) stays finite.
 */
const ZERO_VARIANCE_FLOOR = 1e-5;

const CASES: {
  id: string;
  arch: Architecture;
  x: number[];
  inputShape: number[];
  perChannel: (rows: number[][]) => number[][];
  fused: boolean;
  judges?: string[];
}[] = [
  {
    id: 'dense',
    arch: { kind: 'sequential', inputShape: [2], layers: [{ type: 'BatchNormalization' }, { type: 'Dense', units: 2, activation: 'softmax' }] },
    // Keras issue 10443's data in channel 0 ([1, 2 | 3, 4]); channel 1 is ten times it.
    x: [1, 10, 2, 20, 3, 30, 4, 40],
    inputShape: [2],
    perChannel: (rows) => [rows.map((r) => r[0]!), rows.map((r) => r[1]!)],
    fused: false,
  },
  {
    id: 'conv',
    arch: {
      kind: 'sequential',
      inputShape: [2, 2, 1],
      layers: [{ type: 'BatchNormalization' }, { type: 'Flatten' }, { type: 'Dense', units: 2, activation: 'softmax' }],
    },
    x: [0.5, 1, 2, 4, -1, 3, 0, 2.5, 1, 1, 2, 7, 6, -2, 0, 1],
    inputShape: [2, 2, 1],
    perChannel: (rows) => [rows.flat()],
    fused: true,
  },
  {
    id: 'constant-channel',
    arch: { kind: 'sequential', inputShape: [2], layers: [{ type: 'BatchNormalization' }, { type: 'Dense', units: 2, activation: 'softmax' }] },
    // Channel 1 never varies.
    x: [1, 5, 2, 5, 3, 5, 4, 5],
    inputShape: [2],
    perChannel: (rows) => [rows.map((r) => r[0]!), rows.map((r) => r[1]!)],
    fused: false,
    judges: ['numerics:near-zero-variance'],
  },
];
for (const c of CASES) {
  spec(
    {
      name: 'moving-statistics',
      params: { input: c.id },
      judges: ['layer:BatchNormalization:training', 'weights:after-training', ...(c.judges ?? [])],
      claim: keras('keras/layers/normalization.py BatchNormalization.call (Keras 2.2)', 'variance *= sample_size / (sample_size - (1.0 + self.epsilon))'),
      needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['BatchNormalization', 'Dense', 'Flatten'] },
    },
    async (ctx) => {
      const { impl } = ctx;
      const model = await impl.build(c.arch, { seed: 1 });
      try {
        const size = c.x.length / 4;
        const x = { shape: [4, ...c.inputShape], data: Float32Array.from(c.x) };
        const y = { shape: [4, 2], data: Float32Array.from([1, 0, 0, 1, 1, 0, 0, 1]) };
        await model.fit!(x, y, { optimizer: { type: 'sgd', lr: 0 }, loss: 'categorical_crossentropy', batchSize: 2, epochs: 1, seed: 0, shuffle: false });
        const w = await model.getWeights();
        const got = {
          mean: Array.from(w.find((t) => t.name === 'moving_mean')!.tensor.data),
          variance: Array.from(w.find((t) => t.name === 'moving_variance')!.tensor.data),
        };
        const rows = [0, 1, 2, 3].map((i) => c.x.slice(i * size, (i + 1) * size));
        const stats = [rows.slice(0, 2), rows.slice(2, 4)].map((batch) =>
          c.perChannel(batch).map((v) => {
            const n = v.length;
            const mean = v.reduce((a, b) => a + b, 0) / n;
            const population = v.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
            const bessel = c.fused ? n / (n - 1) : 1;
            return { mean, variance: population * bessel * (n / (n - (1 + EPS))) };
          }),
        );
        const want = {
          mean: stats[0]!.map((_, ch) => debiased([stats[0]![ch]!.mean, stats[1]![ch]!.mean])),
          variance: stats[0]!.map((_, ch) => debiased([stats[0]![ch]!.variance, stats[1]![ch]!.variance])),
        };
        ctx.record(got, JSON.stringify(want));
        for (const k of ['mean', 'variance'] as const) {
          got[k].forEach((v, i) =>
            expect(Math.abs(v - want[k][i]!), `${k}[${i}] = ${v}, want ${want[k][i]}`).toBeLessThanOrEqual(
              TOLERANCE * Math.abs(want[k][i]!) + (want[k][i] === 0 ? ZERO_VARIANCE_FLOOR : 0),
            ),
          );
        }
        // Inference on the trained statistics (the guard holds every value finite).
        const p = await model.predict(x);
        expect(p.data.every(Number.isFinite)).toBe(true);
      } finally {
        model.dispose();
      }
    },
  );
}

/**
 * BatchNormalization in training mode normalises each channel with the batch's own mean and biased variance (what
 * tf.nn.moments and fused_batch_norm's normalisation use), never with the moving statistics, and adds epsilon
 * under the square root. One training step with learning rate 0 reports the training-mode loss of a batch whose
 * statistics are far from the moving ones, with one channel of near-zero variance (as a ReLU unit that has
 * switched off, or a constant border, gives): its loss against the same forward pass in float64.
 *
 * Tolerance: a float32 forward pass of a few values and a batch-mean loss: 1e-6 relative (observed ≤ 1.2e-7 for tfjs,
 * engine and plain-ts).
 * Normalising with the unbiased variance moves the loss by ~10%, with the moving statistics by far more, and
 * dividing by sqrt(variance) + epsilon instead of sqrt(variance + epsilon) by ~5%.
 */
const TRAINING_LOSS_TOLERANCE = 1e-6;

interface TrainingCase {
  id: string;
  arch: Architecture;
  inputShape: number[];
  x: number[];
  /** BatchNormalization's gamma, beta, moving mean and variance, then the Dense kernel [in, 2] and bias. */
  bn: { gamma: number[]; beta: number[]; mean: number[]; variance: number[] };
  kernel: number[];
  bias: number[];
}

const TRAINING_CASES: TrainingCase[] = [
  {
    id: 'dense',
    arch: { kind: 'sequential', inputShape: [3], layers: [{ type: 'BatchNormalization' }, { type: 'Dense', units: 2, activation: 'softmax' }] },
    inputShape: [3],
    // Channel 2 spreads by ±5e-4 around 0: a variance of 1.45e-7, far below epsilon.
    x: [1, 0.5, 0.0005, 3, -1, -0.0005, -2, 2, 0.0002, 0.5, 1.5, -0.0002],
    bn: { gamma: [1.2, 0.8, 1], beta: [0.1, -0.1, 0.05], mean: [10, -10, 1], variance: [100, 50, 2] },
    kernel: [0.5, -0.5, -0.3, 0.4, 2, -2],
    bias: [0.01, -0.01],
  },
  {
    id: 'conv',
    arch: {
      kind: 'sequential',
      inputShape: [2, 2, 2],
      layers: [{ type: 'BatchNormalization' }, { type: 'Flatten' }, { type: 'Dense', units: 2, activation: 'softmax' }],
    },
    inputShape: [2, 2, 2],
    // Three images of 2×2 pixels, two channels: channel 1 near-constant (±3e-4 around 0.001).
    x: [0.5, 0.0013, 1, 0.0007, 2, 0.001, 4, 0.0012, -1, 0.0008, 3, 0.001, 0, 0.0011, 2.5, 0.0009, 1, 0.001, 1, 0.0013, 2, 0.0007, 7, 0.001],
    bn: { gamma: [0.9, 1.1], beta: [0.2, -0.3], mean: [-4, 5], variance: [30, 3] },
    kernel: [0.3, -0.2, 1.5, -1.5, -0.4, 0.1, 1, -1, 0.2, 0.2, -1.2, 1.2, 0.1, -0.3, 0.8, -0.8],
    bias: [0, 0.05],
  },
];

/** The batch's training-mode loss in float64: batch statistics, biased variance, epsilon inside the root. */
function trainingLoss(c: TrainingCase, x: Float32Array, y: number[][]): number {
  const channels = c.bn.gamma.length;
  const per = x.length / y.length;
  const m = x.length / channels;
  const mean = Array.from({ length: channels }, (_, ch) => x.filter((_, i) => i % channels === ch).reduce((a, b) => a + b, 0) / m);
  const variance = mean.map((mu, ch) => x.filter((_, i) => i % channels === ch).reduce((a, v) => a + (v - mu) ** 2, 0) / m);
  const normed = Array.from(x, (v, i) => {
    const ch = i % channels;
    return ((v - mean[ch]!) / Math.sqrt(variance[ch]! + EPS)) * c.bn.gamma[ch]! + c.bn.beta[ch]!;
  });
  let total = 0;
  y.forEach((t, s) => {
    const z = [0, 1].map((k) => c.bias[k]! + normed.slice(s * per, (s + 1) * per).reduce((a, v, i) => a + v * c.kernel[i * 2 + k]!, 0));
    const top = Math.max(...z);
    const e = z.map((v) => Math.exp(v - top));
    const p = e.map((v) => v / (e[0]! + e[1]!));
    total -= Math.log(p[t.indexOf(1)]!);
  });
  return total / y.length;
}

for (const c of TRAINING_CASES) {
  spec(
    {
      name: 'batch-statistics',
      params: { input: c.id },
      judges: ['layer:BatchNormalization:training', 'numerics:near-zero-variance', 'loss:categorical_crossentropy', 'method:fit'],
      claim: keras('keras/layers/normalization.py BatchNormalization (docstring)', 'epsilon: Small float added to variance to avoid dividing by zero.'),
      needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: [...new Set(c.arch.layers.map((l) => l.type))] },
    },
    async (ctx) => {
      const { impl } = ctx;
      const model = await impl.build(c.arch, { seed: 1 });
      try {
        const channels = c.bn.gamma.length;
        const f32 = (v: number[], shape: number[]) => ({ shape, data: Float32Array.from(v) });
        await model.setWeights([
          f32(c.bn.gamma, [channels]),
          f32(c.bn.beta, [channels]),
          f32(c.bn.mean, [channels]),
          f32(c.bn.variance, [channels]),
          f32(c.kernel, [c.kernel.length / 2, 2]),
          f32(c.bias, [2]),
        ]);
        const n = c.x.length / c.inputShape.reduce((a, b) => a * b, 1);
        const y = Array.from({ length: n }, (_, i) => (i % 2 ? [0, 1] : [1, 0]));
        const x = f32(c.x, [n, ...c.inputShape]);
        const history = await model.fit!(x, f32(y.flat(), [n, 2]), {
          optimizer: { type: 'sgd', lr: 0 },
          loss: 'categorical_crossentropy',
          batchSize: n,
          epochs: 1,
          seed: 0,
          shuffle: false,
        });
        const got = history.epochs[0]!.loss;
        const want = trainingLoss(c, x.data, y);
        ctx.record({ loss: got }, `${want} within ${TRAINING_LOSS_TOLERANCE} relative`);
        expect(Math.abs(got - want) / want, `training-mode loss ${got}, Keras ${want}`).toBeLessThanOrEqual(TRAINING_LOSS_TOLERANCE);
      } finally {
        model.dispose();
      }
    },
  );
}
