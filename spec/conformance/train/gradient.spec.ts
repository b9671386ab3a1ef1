import { expect } from 'vitest';
import type { Architecture } from '../../../src/arch/types.js';
import type { Model } from '../../../src/impl/interface.js';
import type { F32Tensor } from '../../../src/tensor.js';
import type { LossName } from '../../../src/train/config.js';
import { Rng } from '../../../src/util/rng.js';
import { keras } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';

const spec = conformanceSpecs(import.meta.url);

/**
 * The update a training step makes is the gradient of the loss it reports. With SGD(lr=1) and no
 * momentum, Keras's step is `p ← p − g`, so one step on one batch reveals every gradient through the
 * interface (weights before minus weights after); with lr=0 the same step leaves the weights alone and
 * reports the training-mode loss, so central finite differences of that loss check each gradient.
 *
 * The model is small and smooth (tanh, sigmoid, softmax; no dropout, no ReLU kink) but passes through
 * every trainable layer type in both its forms: 'same' stride-1 convolutions (the first needs no input
 * gradient, the second does), a 'valid' stride-2 one,
 * batch normalization over images and over vectors, max pooling, a Dense on a flattened image.
 *
 * Tolerance: the loss is float32 (ulp ≈ 1e-7 near 1), so with h = 5e-3 the difference quotient carries
 * ~3e-5 of rounding; truncation is O(h²). |fd − g| ≤ 0.05·max(|fd|, |g|) + 2e-3 holds with a wide margin
 * for a correct gradient and fails for a missing factor, a wrong sign or a transposed layout.
 */
const ARCH: Architecture = {
  kind: 'sequential',
  inputShape: [7, 7, 2],
  layers: [
    { type: 'Conv2D', filters: 3, kernelSize: [3, 3], padding: 'same', activation: 'tanh' },
    { type: 'BatchNormalization' },
    { type: 'Conv2D', filters: 4, kernelSize: [3, 3], padding: 'same', activation: 'tanh' },
    { type: 'Conv2D', filters: 4, kernelSize: [2, 2], strides: [2, 2], activation: 'tanh' },
    { type: 'MaxPooling2D', poolSize: [2, 2], strides: [1, 1] },
    { type: 'Flatten' },
    { type: 'Dense', units: 6, activation: 'sigmoid' },
    { type: 'BatchNormalization' },
    { type: 'Dense', units: 4, activation: 'softmax' },
  ],
};
const LAYERS = [...new Set(ARCH.layers.map((l) => l.type))];
const N = 5;
const H = 5e-3;
const PER_TENSOR = 3;

function batch(seed: number): { x: F32Tensor; y: F32Tensor } {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: N * 7 * 7 * 2 }, () => rng.float());
  const y = new Float32Array(N * 4);
  for (let i = 0; i < N; i++) y[i * 4 + rng.int(0, 3)] = 1;
  return { x: { shape: [N, 7, 7, 2], data: x }, y: { shape: [N, 4], data: y } };
}

async function step(model: Model, data: { x: F32Tensor; y: F32Tensor }, loss: LossName, lr: number): Promise<number> {
  const h = await model.fit!(data.x, data.y, { optimizer: { type: 'sgd', lr }, loss, batchSize: N, epochs: 1, seed: 1, shuffle: false });
  return h.epochs[0]!.loss;
}
for (const loss of ['categorical_crossentropy', 'mean_squared_error'] as const) {
  spec(
    {
      name: 'finite-differences', params: { loss },
      claim: keras('keras/optimizers.py SGD.get_updates', 'v = self.momentum * m - lr * g  # velocity'),
      needs: { train: { optimizer: 'sgd', loss }, layers: LAYERS },
      timeoutMs: 120_000,
    },
    async (ctx) => {
      const { impl } = ctx;
      const data = batch(7);
      const model = await impl.build(ARCH, { seed: 3 });
      try {
        const start = await model.getWeights();
        await step(model, data, loss, 1);
        const after = await model.getWeights();
        const pick = new Rng(11);
        let worst = 0;
        let checked = 0;
        for (let w = 0; w < start.length; w++) {
          const name = `${start[w]!.layer}/${start[w]!.name}`;
          if (name.includes('moving_')) continue;
          for (let k = 0; k < PER_TENSOR; k++) {
            const i = pick.int(0, start[w]!.tensor.data.length - 1);
            const g = start[w]!.tensor.data[i]! - after[w]!.tensor.data[i]!;
            const at = async (delta: number): Promise<number> => {
              const weights = start.map((s) => ({ shape: s.tensor.shape, data: s.tensor.data.slice() }));
              weights[w]!.data[i] = start[w]!.tensor.data[i]! + delta;
              await model.setWeights(weights);
              return step(model, data, loss, 0);
            };
            const fd = ((await at(H)) - (await at(-H))) / (2 * H);
            const err = Math.abs(fd - g) - 0.05 * Math.max(Math.abs(fd), Math.abs(g));
            worst = Math.max(worst, err);
            checked++;
            expect(Math.abs(fd - g), `${name}[${i}]: update ${g}, finite difference ${fd}`).toBeLessThanOrEqual(0.05 * Math.max(Math.abs(fd), Math.abs(g)) + 2e-3);
          }
        }
        ctx.record({ checked, worstExcess: worst }, '|fd − g| ≤ 0.05·max(|fd|, |g|) + 2e-3');
      } finally {
        model.dispose();
      }
    },
  );
}
