import { expect } from 'vitest';
import { KERAS_EPSILON } from '../../../src/train/metrics.js';
import type { Architecture } from '../../../src/arch/types.js';
import { keras, seed } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';
import { f32, LOSS_TOLERANCE, train } from './tiny-dense.js';

/** Keras's losses where they bind, on the tiny net of tiny-dense.ts. */
const spec = conformanceSpecs(import.meta.url);

spec(
  {
    name: 'crossentropy-clip:saturated-wrong',
    judges: ['loss:crossentropy-clip'],
    // Seed 000 trained on 0..255 pixels until its softmax saturated: every wrong test answer then costs
    // exactly -ln(1e-7), and (1 - 0.4953) · 16.1181 = 8.1348 is the test loss it printed.
    claim: seed('000', 'Test loss: 8.13480284729'),
    needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Dense'] },
  },
  async (ctx) => {
    const { impl } = ctx;
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

/**
 * Keras's categorical_crossentropy rescales the output to sum 1 before the log (`output /= tf.reduce_sum(output,
 * axis, True)`), and differentiates through that division. Behind a softmax both are invisible (the row already sums
 * to 1, and a gradient the same for every class vanishes in softmax's backward), so a port that skips the rescale, or
 * gets its gradient wrong, passes every softmax spec. Behind sigmoid outputs, which do not sum to 1, they decide the
 * loss and the update: Dense(3, sigmoid) on 3 inputs, 4 samples in one batch, one SGD(lr=1) step, held to the loss
 * −mean log(σ(z)_label / Σσ(z)) and its gradient by central differences (h = 1e-6), both in float64.
 *
 * Tolerance: float32 forward and backward of O(1) values: the loss to 1e-6 relative, each update to 1e-6 absolute
 * (observed: updates within 3.2e-8, the loss within 8.7e-8 relative, for tfjs, engine and plain-ts).
 */
const RESCALE_X = [
  [0.5, -1.2, 0.3],
  [1.5, 0.2, -0.7],
  [-0.4, 0.9, 1.1],
  [0.8, 0.6, -1.3],
];
const RESCALE_LABELS = [0, 1, 2, 1];
const RESCALE_W = [0.4, -0.3, 0.2, 0.1, -0.5, 0.6, 0.3, -0.2, 0.25];
const RESCALE_B = [0.1, -0.2, 0.05];
const RESCALE_TOLERANCE = 1e-6;

/** −mean log(σ(z)_label / Σσ(z)), z = x·W + b, in float64 (no clip binds: every ratio is in (0.1, 0.9)). */
function rescaledLoss(w: readonly number[], b: readonly number[]): number {
  let total = 0;
  RESCALE_X.forEach((x, s) => {
    const p = [0, 1, 2].map((j) => 1 / (1 + Math.exp(-(b[j]! + x.reduce((a, v, i) => a + v * w[i * 3 + j]!, 0)))));
    const q = p[RESCALE_LABELS[s]!]! / (p[0]! + p[1]! + p[2]!);
    expect(q).toBeGreaterThan(0.1);
    total -= Math.log(q);
  });
  return total / RESCALE_X.length;
}

spec(
  {
    name: 'crossentropy-rescale',
    judges: ['loss:categorical_crossentropy', 'activation:sigmoid', 'layer:Dense:training', 'method:fit'],
    claim: keras('keras/backend/tensorflow_backend.py categorical_crossentropy', 'output /= tf.reduce_sum(output, axis, True)'),
    needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Dense'] },
  },
  async (ctx) => {
    const { impl } = ctx;
    const arch: Architecture = { kind: 'sequential', inputShape: [3], layers: [{ type: 'Dense', units: 3, activation: 'sigmoid' }] };
    const model = await impl.build(arch, { seed: 1 });
    let got: { w: number[]; b: number[]; loss: number };
    try {
      await model.setWeights([f32(RESCALE_W, [3, 3]), f32(RESCALE_B, [3])]);
      const y = RESCALE_LABELS.flatMap((l) => [0, 1, 2].map((k) => (k === l ? 1 : 0)));
      const history = await model.fit!(f32(RESCALE_X.flat(), [4, 3]), f32(y, [4, 3]), {
        optimizer: { type: 'sgd', lr: 1 },
        loss: 'categorical_crossentropy',
        batchSize: 4,
        epochs: 1,
        seed: 0,
        shuffle: false,
      });
      const [w, b] = await model.getWeights();
      got = { w: Array.from(w!.tensor.data), b: Array.from(b!.tensor.data), loss: history.epochs[0]!.loss };
    } finally {
      model.dispose();
    }
    const H = 1e-6;
    const gradient = (values: readonly number[], which: 'w' | 'b') =>
      values.map((_, i) => {
        const at = (d: number) => {
          const w = [...RESCALE_W];
          const b = [...RESCALE_B];
          (which === 'w' ? w : b)[i] += d;
          return rescaledLoss(w, b);
        };
        return (at(H) - at(-H)) / (2 * H);
      });
    const want = {
      w: RESCALE_W.map((v, i) => v - gradient(RESCALE_W, 'w')[i]!),
      b: RESCALE_B.map((v, i) => v - gradient(RESCALE_B, 'b')[i]!),
      loss: rescaledLoss(RESCALE_W, RESCALE_B),
    };
    const worst = Math.max(...got.w.map((v, i) => Math.abs(v - want.w[i]!)), ...got.b.map((v, i) => Math.abs(v - want.b[i]!)));
    ctx.record({ loss: got.loss, worstUpdate: worst }, `loss ${want.loss} within ${RESCALE_TOLERANCE} relative; updates within ${RESCALE_TOLERANCE}`);
    expect(Math.abs(got.loss - want.loss) / want.loss, `loss ${got.loss}, Keras ${want.loss}`).toBeLessThanOrEqual(RESCALE_TOLERANCE);
    got.w.forEach((v, i) => expect(Math.abs(v - want.w[i]!), `kernel[${i}]: ${v}, Keras ${want.w[i]}`).toBeLessThanOrEqual(RESCALE_TOLERANCE));
    got.b.forEach((v, i) => expect(Math.abs(v - want.b[i]!), `bias[${i}]: ${v}, Keras ${want.b[i]}`).toBeLessThanOrEqual(RESCALE_TOLERANCE));
  },
);

spec(
  {
    name: 'crossentropy-clip:saturated-right',
    judges: ['loss:crossentropy-clip'],
    claim: keras('keras/backend/tensorflow_backend.py categorical_crossentropy', 'output = tf.clip_by_value(output, _epsilon, 1. - _epsilon)'),
    needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Dense'] },
  },
  async (ctx) => {
    const { impl } = ctx;
    // z = (40, -40): p = (1, 0) in float32 for a sample of class 0: q₀ is clipped down to 1 − 1e-7, so even a certain
    // right answer costs −ln(1 − 1e-7) ≈ 1e-7 (1.19e-7 where 1 − 1e-7 is rounded to float32), never 0.
    const got = await train(impl, { type: 'sgd', lr: 0.5 }, 'categorical_crossentropy', 1, [40, -40, 0, 0, 0, 0], [0, 0], [[1, 0, 0]], [[1, 0]]);
    ctx.record(got.losses, `−ln(1 − 1e-7) = ${-Math.log1p(-KERAS_EPSILON)} (float64) to 1.19e-7 (float32)`);
    expect(got.losses[0]).toBeGreaterThanOrEqual(0.9e-7);
    expect(got.losses[0]).toBeLessThanOrEqual(1.3e-7);
  },
);
