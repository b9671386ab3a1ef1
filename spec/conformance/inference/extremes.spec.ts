import { expect } from 'vitest';
import type { Architecture } from '../../../src/arch/types.js';
import type { Implementation } from '../../../src/impl/interface.js';
import type { F32Tensor } from '../../../src/tensor.js';
import { seed } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';

const spec = conformanceSpecs(import.meta.url);

/**
 * The numerical extremes the notebooks reach, on tiny nets whose outputs follow from a few given weights:
 * - seed 000 fed its MLP 0–255 pixels, so its logits run into the thousands and its softmax saturates (every wrong
 *   answer at the cross-entropy clip is how it printed a test loss of 8.13): exp() of such a logit overflows
 *   unless the row's maximum is subtracted first;
 * - seed 004's MLP puts sigmoid after Dense layers; fed large pre-activations a sigmoid must saturate at 0 or 1,
 *   not turn into Infinity / Infinity;
 * - batch normalization over a channel whose variance is near zero (a ReLU unit that has switched off) divides by
 *   sqrt(variance + epsilon) ≈ sqrt(epsilon), where sqrt(variance) + epsilon would give ~epsilon.
 * Each is held to the float64 result of the same computation, written the stable way.
 *
 * Tolerance: probabilities of O(1) logits computed exactly from float32 inputs: float32 rounding, 1e-6 absolute.
 */
const TOLERANCE = 1e-6;

const f32 = (values: number[], shape: number[]): F32Tensor => ({ shape, data: Float32Array.from(values) });
const identity = (n: number): number[] => Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
const softmax = (z: number[]): number[] => {
  const top = Math.max(...z);
  const e = z.map((v) => Math.exp(v - top));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
};
const sigmoid = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

/** Build, set the weights, predict the rows in one batch: the largest |p − want| and the probabilities. */
async function predictWith(impl: Implementation, arch: Architecture, weights: F32Tensor[], rows: number[][], want: number[][]) {
  const model = await impl.build(arch, { seed: 1 });
  try {
    await model.setWeights(weights);
    const width = rows[0]!.length;
    const p = await model.predict(f32(rows.flat(), [rows.length, width]), { batchSize: rows.length });
    const flat = want.flat();
    const worst = Math.max(...Array.from(p.data, (v, i) => Math.abs(v - flat[i]!)));
    return { worst, p: Array.from(p.data), model };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

spec(
  {
    name: 'softmax:large-logits',
    judges: ['numerics:large-logits', 'activation:softmax', 'layer:Dense:inference'],
    claim: seed('000', '126, 136, 175, 26, 166, 255, 247, 127'),
    needs: { layers: ['Dense'] },
  },
  async (ctx) => {
    // Dense(3, softmax) with an identity kernel: the inputs are the logits.
    const arch: Architecture = { kind: 'sequential', inputShape: [3], layers: [{ type: 'Dense', units: 3, activation: 'softmax' }] };
    const logits = [
      [1000, 0, -1000],
      [800, 799.5, 0],
      [-500, -501, -499.5],
      [3000, 3000, 2999],
    ];
    const want = logits.map(softmax);
    const { worst, p, model } = await predictWith(ctx.impl, arch, [f32(identity(3), [3, 3]), f32([0, 0, 0], [3])], logits, want);
    model.dispose();
    ctx.record({ worst, probabilities: p }, `max |p − softmax| ≤ ${TOLERANCE}`);
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
  },
);

spec(
  {
    name: 'sigmoid:saturated',
    judges: ['numerics:saturated-sigmoid', 'activation:sigmoid', 'layer:Activation:inference'],
    claim: seed('004', "model.add ( Activation('sigmoid'))"),
    needs: { layers: ['Dense', 'Activation'] },
  },
  async (ctx) => {
    // Dense(2) → Activation(sigmoid) → Dense(2, softmax), both kernels the identity: softmax(sigmoid(x)).
    const arch: Architecture = {
      kind: 'sequential',
      inputShape: [2],
      layers: [
        { type: 'Dense', units: 2 },
        { type: 'Activation', activation: 'sigmoid' },
        { type: 'Dense', units: 2, activation: 'softmax' },
      ],
    };
    const x = [
      [1000, -1000],
      [-800, 50],
      [20, -20],
      [0.5, -0.25],
    ];
    const want = x.map((row) => softmax(row.map(sigmoid)));
    const weights = [f32(identity(2), [2, 2]), f32([0, 0], [2]), f32(identity(2), [2, 2]), f32([0, 0], [2])];
    const { worst, p, model } = await predictWith(ctx.impl, arch, weights, x, want);
    model.dispose();
    ctx.record({ worst, probabilities: p }, `max |p − softmax(sigmoid(x))| ≤ ${TOLERANCE}`);
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
  },
);

spec(
  {
    name: 'batchnorm:near-zero-variance',
    judges: ['numerics:near-zero-variance', 'layer:BatchNormalization:inference'],
    claim: seed('004', 'model_cnn.add(BatchNormalization(axis=-1))'),
    needs: { layers: ['BatchNormalization', 'Dense'] },
  },
  async (ctx) => {
    // BatchNormalization (moving variances 1e-6, 0 and 1) → Dense(3, softmax) with an identity kernel.
    const arch: Architecture = {
      kind: 'sequential',
      inputShape: [3],
      layers: [{ type: 'BatchNormalization' }, { type: 'Dense', units: 3, activation: 'softmax' }],
    };
    const [gamma, beta, mean, variance] = [
      [1, 2, 1],
      [0, 0.1, 0],
      [0.5, -0.2, 0],
      [1e-6, 0, 1],
    ];
    const x = [
      [0.501, -0.2005, 1],
      [0.499, -0.1995, -1],
      [0.5, -0.2, 0],
    ];
    const eps = 1e-3; // Keras's default
    // Inputs and weights as the float32 values the implementation receives.
    const r = (v: number): number => Math.fround(v);
    const want = x.map((row) => softmax(row.map((v, c) => ((r(v) - r(mean[c]!)) / Math.sqrt(r(variance[c]!) + eps)) * gamma[c]! + beta[c]!)));
    const weights = [f32(gamma, [3]), f32(beta, [3]), f32(mean, [3]), f32(variance, [3]), f32(identity(3), [3, 3]), f32([0, 0, 0], [3])];
    const { worst, p, model } = await predictWith(ctx.impl, arch, weights, x, want);
    model.dispose();
    ctx.record({ worst, probabilities: p }, `max |p − p_keras| ≤ ${TOLERANCE}`);
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
  },
);
