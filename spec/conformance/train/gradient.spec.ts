import { expect } from 'vitest';
import { modelWeightSpecs, resolveArchitecture } from '../../../src/arch/resolve.js';
import type { Architecture } from '../../../src/arch/types.js';
import { distinctWeights, referenceSample } from '../../../src/reference/keras-float64.js';
import { sizeOf, type F32Tensor } from '../../../src/tensor.js';
import { Rng } from '../../../src/util/rng.js';
import { keras } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';
import { ABS_TOLERANCE, ARCH, checkGradients, GRADIENT_BEHAVIOURS, LAYERS, MAX_KINK_SHARE, REL_TOLERANCE, WEIGHT_SEEDS } from './gradient-check.js';

/** Every gradient a training step applies, against finite differences of the loss it reports (gradient-check.ts). */
const spec = conformanceSpecs(import.meta.url);

for (const loss of ['categorical_crossentropy', 'mean_squared_error'] as const) {
  spec(
    {
      name: 'finite-differences',
      params: { loss },
      judges: [...GRADIENT_BEHAVIOURS, `loss:${loss}`],
      claim: keras('keras/optimizers.py SGD.get_updates', 'v = self.momentum * m - lr * g  # velocity'),
      needs: { train: { optimizer: 'sgd', loss }, layers: LAYERS },
      timeoutMs: 300_000,
    },
    async (ctx) => {
      const { impl } = ctx;
      const model = await impl.build(ARCH, { seed: 3 });
      try {
        const { checked, kinks, failures, worst } = await checkGradients(model, loss, WEIGHT_SEEDS);
        ctx.record(
          { checked, kinksSkipped: kinks.length, kinks, worstExcess: worst },
          `|fd − g| ≤ ${REL_TOLERANCE}·max(|fd|, |g|) + ${ABS_TOLERANCE}, kinks (|fd − g| explained by |d2|/2h) skipped, at most ${MAX_KINK_SHARE * 100}% of them`,
        );
        expect(failures, 'gradients that disagree with the finite differences of the loss').toEqual([]);
        expect(kinks.length, `coordinates skipped as kinks: ${kinks.join('; ')}`).toBeLessThanOrEqual(MAX_KINK_SHARE * checked);
      } finally {
        model.dispose();
      }
    },
  );
}

/**
 * Every gradient of one training step, pinned: SGD(lr=1) on one batch moves each trainable weight by minus its
 * gradient, held coordinate by coordinate to the gradient of Keras's training-mode loss computed in float64 — the
 * loss by src/reference/keras-float64.ts with each BatchNormalization given its batch's statistics (training mode
 * normalises with the batch's mean and biased variance, which is inference with those as the moving statistics),
 * differentiated by central differences with h = 1e-6 in float64 (truncation ~1e-12, rounding ~1e-10). Where the
 * finite-difference check above allows 5% on a few coordinates, this holds all 520 of them to float32 rounding, so a
 * backward pass that is merely close (a variance term dropped from batch norm's input gradient, a padding offset off
 * by one in col2im, a gradient sent to the wrong maximum) fails. The net passes a 'same' convolution without bias
 * before batch norm over images, a 3×3 stride-2 'same' convolution that needs its input gradient (its windows hang
 * over every edge: padding 1 before, 1 after), ReLU, a 3×3 stride-1 'same' max pooling (padding 1 on each side),
 * sigmoid, a Dense without bias before batch norm over vectors, and softmax. Weights and inputs are the suite's own
 * (the largest value of a pooling window at least 4.7e-4 above the next, every ReLU input at least 2e-3 from 0: no
 * kink within reach of h; windows whose values ReLU zeroed carry no gradient, whichever maximum they pick).
 *
 * Tolerance: float32 forward and backward of O(1) values through eight layers, batch norm over 4 samples dividing by
 * standard deviations ≥ 0.02: 5e-6 absolute + 1e-4 relative (observed ≤ 3.7e-7 for tfjs, 3.9e-7 for engine, 1.4e-7 for
 * plain-ts).
 */
const EXACT_ARCH: Architecture = {
  kind: 'sequential',
  inputShape: [7, 7, 2],
  layers: [
    { type: 'Conv2D', filters: 3, kernelSize: [3, 3], padding: 'same', activation: 'tanh', useBias: false },
    { type: 'BatchNormalization' },
    { type: 'Conv2D', filters: 4, kernelSize: [3, 3], strides: [2, 2], padding: 'same', activation: 'relu' },
    { type: 'MaxPooling2D', poolSize: [3, 3], strides: [1, 1], padding: 'same' },
    { type: 'Flatten' },
    { type: 'Dense', units: 5, activation: 'sigmoid', useBias: false },
    { type: 'BatchNormalization', epsilon: 0.01 },
    { type: 'Dense', units: 3, activation: 'softmax' },
  ],
};
const EXACT_N = 4;
const EXACT_H = 1e-6;
const EXACT_ABS = 5e-6;
const EXACT_REL = 1e-4;

const exactResolved = resolveArchitecture(EXACT_ARCH);
const exactSpecs = modelWeightSpecs(exactResolved);

/** Keras's training-mode batch loss in float64: batch statistics for every BatchNormalization, mean cross-entropy. */
function trainingLoss64(weights: Float64Array[], x: F32Tensor, labels: readonly number[]): number {
  const w = weights.map((d) => d.slice());
  const asTensors = (): F32Tensor[] => w.map((d, i) => ({ shape: exactSpecs[i]!.shape, data: d as unknown as Float32Array }));
  const per = sizeOf(exactResolved.inputShape);
  const sample = (s: number, layers?: number) => referenceSample(exactResolved, asTensors(), x.data.subarray(s * per, (s + 1) * per), layers);
  exactResolved.layers.forEach((l, li) => {
    if (l.type !== 'BatchNormalization') return;
    const c = l.inputShape[l.inputShape.length - 1]!;
    const inputs = Array.from({ length: EXACT_N }, (_, s) => sample(s, li));
    const values = inputs.flatMap((v) => Array.from(v));
    const m = values.length / c;
    const mean = new Float64Array(c);
    const variance = new Float64Array(c);
    values.forEach((v, i) => (mean[i % c] += v / m));
    values.forEach((v, i) => (variance[i % c] += (v - mean[i % c]!) ** 2 / m));
    const at = (name: string) => exactSpecs.findIndex((s) => s.layer === l.name && s.name === name);
    w[at('moving_mean')] = mean;
    w[at('moving_variance')] = variance;
  });
  let loss = 0;
  for (let s = 0; s < EXACT_N; s++) loss -= Math.log(sample(s)[labels[s]!]!);
  return loss / EXACT_N;
}

spec(
  {
    name: 'exact',
    judges: [
      ...[...new Set(EXACT_ARCH.layers.map((l) => l.type))].map((t) => `layer:${t}:training`),
      'activation:tanh',
      'activation:relu',
      'activation:sigmoid',
      'activation:softmax',
      'loss:categorical_crossentropy',
      'method:fit',
    ],
    claim: keras('keras/optimizers.py SGD.get_updates', 'new_p = p - lr * g'),
    needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: [...new Set(EXACT_ARCH.layers.map((l) => l.type))] },
  },
  async (ctx) => {
    const { impl } = ctx;
    const rng = new Rng(41);
    const x: F32Tensor = { shape: [EXACT_N, 7, 7, 2], data: Float32Array.from({ length: EXACT_N * 98 }, () => rng.float() * 2 - 1) };
    const labels = [0, 2, 1, 2];
    const y: F32Tensor = { shape: [EXACT_N, 3], data: Float32Array.from(labels.flatMap((l) => [0, 1, 2].map((k) => (k === l ? 1 : 0)))) };
    const start = distinctWeights(exactResolved, 5);
    const model = await impl.build(EXACT_ARCH, { seed: 1 });
    let after: F32Tensor[];
    try {
      await model.setWeights(start);
      await model.fit!(x, y, { optimizer: { type: 'sgd', lr: 1 }, loss: 'categorical_crossentropy', batchSize: EXACT_N, epochs: 1, seed: 0, shuffle: false });
      after = (await model.getWeights()).map((w) => w.tensor);
    } finally {
      model.dispose();
    }
    const w64 = start.map((t) => Float64Array.from(t.data));
    const failures: string[] = [];
    let worst = 0;
    let checked = 0;
    exactSpecs.forEach((s, t) => {
      if (!s.trainable) return;
      for (let i = 0; i < w64[t]!.length; i++) {
        const at = (delta: number) => {
          const w = w64.map((d) => d.slice());
          w[t]![i] = w64[t]![i]! + delta;
          return trainingLoss64(w, x, labels);
        };
        const want = (at(EXACT_H) - at(-EXACT_H)) / (2 * EXACT_H);
        const got = start[t]!.data[i]! - after[t]!.data[i]!;
        const excess = Math.abs(got - want) - (EXACT_ABS + EXACT_REL * Math.abs(want));
        worst = Math.max(worst, Math.abs(got - want));
        checked++;
        if (excess > 0) failures.push(`${s.layer}/${s.name}[${i}]: update ${got}, Keras's gradient ${want}`);
      }
    });
    ctx.record({ checked, worstAbsolute: worst }, `|update − gradient| ≤ ${EXACT_ABS} + ${EXACT_REL}·|gradient| for every trainable weight`);
    expect(failures, 'updates that are not the float64 gradient of the training-mode loss').toEqual([]);
  },
);

/**
 * Max pooling's gradient where a window's maximum is tied: TensorFlow's MaxPoolGrad sends it to the first position in
 * row-major window order that holds the maximum. Ties are common, not contrived: a convolution without ReLU over
 * MNIST's blank borders outputs its bias at every position there. Conv2D(1, 2×2, linear) with a zero kernel and bias
 * 0.5 makes every value of its 3×3 output 0.5, so every 2×2 window of the stride-1 max pooling after it is a four-way
 * tie; one SGD(lr=1) step moves the kernel by minus Σ dpool · (the input patch under the first position of each
 * window), held to the float64 sum. A pooling that picks the last tie, or spreads the gradient over the tied
 * positions, moves it by another patch's values. Two edges ride along, each pinned by nothing else: the first window's
 * first position is the pooling input's flat index 0 (the batch's first value), whose gradient a pooling that takes
 * index 0 for "no maximum" drops; and the convolution has no activation (Keras's default, linear) in training.
 *
 * Tolerance: float32 sums of a few O(0.1) products: 1e-6 absolute (observed ≤ 2.9e-8 for tfjs, 1.9e-8 for engine, 6.1e-9 for
 * plain-ts, all three sending the gradient to the first tie).
 */
const TIES_ARCH: Architecture = {
  kind: 'sequential',
  inputShape: [4, 4, 1],
  layers: [
    { type: 'Conv2D', filters: 1, kernelSize: [2, 2] },
    { type: 'MaxPooling2D', poolSize: [2, 2], strides: [1, 1] },
    { type: 'Flatten' },
    { type: 'Dense', units: 2, activation: 'softmax' },
  ],
};
const TIES_TOLERANCE = 1e-6;

spec(
  {
    name: 'max-pool-ties',
    judges: ['layer:MaxPooling2D:training', 'layer:Conv2D:training', 'method:fit'],
    claim: keras(
      'tensorflow/core/kernels/maxpooling_op.cc MaxPoolingGradOp (CPU): the argmax of each window, first maximum in row-major order',
      'SpatialMaxPoolWithArgMaxHelper',
    ),
    needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Conv2D', 'MaxPooling2D', 'Flatten', 'Dense'] },
  },
  async (ctx) => {
    const { impl } = ctx;
    const rng = new Rng(43);
    const n = 2;
    const x = Float64Array.from({ length: n * 16 }, () => Math.round(rng.float() * 64) / 64);
    const labels = [0, 1];
    const W = [0.3, -0.2, -0.4, 0.5, 0.6, 0.1, -0.1, -0.3];
    const b = [0.05, -0.05];
    const model = await impl.build(TIES_ARCH, { seed: 1 });
    let kernel: number[];
    try {
      const f32 = (v: ArrayLike<number>, shape: number[]): F32Tensor => ({ shape, data: Float32Array.from(v) });
      await model.setWeights([f32([0, 0, 0, 0], [2, 2, 1, 1]), f32([0.5], [1]), f32(W, [4, 2]), f32(b, [2])]);
      const y = f32(
        labels.flatMap((l) => (l ? [0, 1] : [1, 0])),
        [n, 2],
      );
      await model.fit!(f32(x, [n, 4, 4, 1]), y, {
        optimizer: { type: 'sgd', lr: 1 },
        loss: 'categorical_crossentropy',
        batchSize: n,
        epochs: 1,
        seed: 0,
        shuffle: false,
      });
      kernel = Array.from((await model.getWeights())[0]!.tensor.data);
    } finally {
      model.dispose();
    }
    // Every pooled value is 0.5, so both samples have the same logits and probabilities.
    const z = [0, 1].map((k) => b[k]! + [0, 1, 2, 3].reduce((a, i) => a + 0.5 * W[i * 2 + k]!, 0));
    const e = z.map((v) => Math.exp(v - Math.max(...z)));
    const p = e.map((v) => v / (e[0]! + e[1]!));
    const dK = [0, 0, 0, 0];
    labels.forEach((label, s) => {
      const dz = p.map((v, k) => (v - (k === label ? 1 : 0)) / n);
      for (let py = 0; py < 2; py++) {
        for (let px = 0; px < 2; px++) {
          const dpool = dz[0]! * W[(py * 2 + px) * 2]! + dz[1]! * W[(py * 2 + px) * 2 + 1]!;
          // The first position of window (py, px) is the convolution output (py, px): its input patch starts there.
          for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) dK[i * 2 + j] += dpool * x[s * 16 + (py + i) * 4 + (px + j)]!;
        }
      }
    });
    const want = dK.map((g) => -g);
    const worst = Math.max(...kernel.map((v, i) => Math.abs(v - want[i]!)));
    ctx.record({ kernel, worst }, `kernel ${want.map((v) => v.toPrecision(6)).join(', ')} within ${TIES_TOLERANCE}`);
    kernel.forEach((v, i) => expect(Math.abs(v - want[i]!), `kernel[${i}]: ${v}, Keras ${want[i]}`).toBeLessThanOrEqual(TIES_TOLERANCE));
  },
);
