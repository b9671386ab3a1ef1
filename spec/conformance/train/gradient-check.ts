import type { Architecture } from '../../../src/arch/types.js';
import type { Model } from '../../../src/impl/interface.js';
import type { F32Tensor } from '../../../src/tensor.js';
import type { LossName } from '../../../src/train/config.js';
import { Rng } from '../../../src/util/rng.js';
import { modelWeightSpecs, resolveArchitecture } from '../../../src/arch/resolve.js';
import { distinctWeights } from '../../../src/reference/keras-float64.js';

/**
 * The update a training step makes is the gradient of the loss it reports. With SGD(lr=1) and no
 * momentum, Keras's step is `p ← p − g`, so one step on one batch reveals every gradient through the
 * interface (weights before minus weights after); with lr=0 the same step leaves the weights alone and
 * reports the training-mode loss, so central finite differences of that loss check each gradient.
 *
 * The model is small and mostly smooth (tanh, sigmoid, softmax, linear; no dropout, no ReLU) but passes through every
 * layer type that trains or carries a gradient: 'same' stride-1 convolutions (the first needs no input gradient, the
 * second does), a 'valid' stride-2 one, batch normalization over images and over vectors, max pooling, a Dense on a
 * flattened image, a linear Dense reshaped, through an Activation layer and flattened again.
 *
 * The weights are the suite's own (two seeded draws, set through setWeights), never the implementation's initial
 * draw: the verdict must not depend on which random numbers an implementation happens to use.
 *
 * Max pooling has kinks: where two inputs of a window are within h of each other, a central difference straddles
 * the switch of the maximum and differs from the exact gradient by half the jump in slope. Such a coordinate shows
 * itself in the second difference d2 = L(+h) − 2L(0) + L(−h): a kink of slope jump s inside (−h, h) gives
 * |fd − g| ≤ |d2| / 2h, while for a smooth loss |d2| / 2h ≈ h·|L''| / 2 is tiny. A coordinate whose discrepancy
 * the kink explains is skipped (and counted); a wrong gradient — a missing factor, a wrong sign, a transposed
 * layout — is not explained and fails.
 *
 * Tolerance: the loss is float32 (ulp ≈ 1e-7 near 1), so with h = 5e-3 the difference quotient carries ~3e-5 of
 * rounding; truncation is O(h²). |fd − g| ≤ 0.05·max(|fd|, |g|) + 2e-3 holds with a wide margin for a correct
 * gradient. At most a quarter of the coordinates may be skipped as kinks.
 */
export const ARCH: Architecture = {
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
    { type: 'Dense', units: 8 },
    { type: 'Reshape', targetShape: [2, 4] },
    { type: 'Activation', activation: 'tanh' },
    { type: 'Flatten' },
    { type: 'Dense', units: 4, activation: 'softmax' },
  ],
};
export const LAYERS = [...new Set(ARCH.layers.map((l) => l.type))];
/** What a correct gradient through ARCH judges: every trainable layer type in training mode and its activations. */
export const GRADIENT_BEHAVIOURS = [
  ...LAYERS.map((t) => `layer:${t}:training`),
  'activation:tanh',
  'activation:sigmoid',
  'activation:softmax',
  'activation:linear',
  'method:fit',
];
const N = 5;
const H = 5e-3;
/** Two draws of the suite's own weights, two coordinates of each tensor per draw. */
export const WEIGHT_SEEDS = [3, 4];
const PER_TENSOR = 2;
export const REL_TOLERANCE = 0.05;
export const ABS_TOLERANCE = 2e-3;
export const MAX_KINK_SHARE = 0.25;

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

const resolved = resolveArchitecture(ARCH);
const NAMES = modelWeightSpecs(resolved).map((w) => `${w.layer}/${w.name}`);

export interface GradientCheck {
  checked: number;
  /** Coordinates whose discrepancy a kink within ±h explains: skipped. */
  kinks: string[];
  /** Coordinates whose gradient disagrees with the finite difference. */
  failures: string[];
  /** The largest |fd − g| beyond the tolerance among the coordinates that passed (≤ 0). */
  worst: number;
}

/** The finite-difference check of `model`'s gradients (built from ARCH) with the suite's weights drawn from each seed. */
export async function checkGradients(model: Model, loss: LossName, weightSeeds: readonly number[], perTensor = PER_TENSOR): Promise<GradientCheck> {
  const data = batch(7);
  const r: GradientCheck = { checked: 0, kinks: [], failures: [], worst: -Infinity };
  for (const weightSeed of weightSeeds) {
    const start = distinctWeights(resolved, weightSeed);
    await model.setWeights(start);
    await step(model, data, loss, 1);
    const after = await model.getWeights();
    const pick = new Rng(11 + weightSeed);
    const lossAt = async (w: number, i: number, delta: number): Promise<number> => {
      const weights = start.map((t) => ({ shape: t.shape, data: t.data.slice() }));
      weights[w]!.data[i] = start[w]!.data[i]! + delta;
      await model.setWeights(weights);
      return step(model, data, loss, 0);
    };
    for (let w = 0; w < start.length; w++) {
      if (NAMES[w]!.includes('moving_')) continue;
      for (let k = 0; k < perTensor; k++) {
        const i = pick.int(0, start[w]!.data.length - 1);
        const where = `${NAMES[w]}[${i}] (weights ${weightSeed})`;
        const g = start[w]!.data[i]! - after[w]!.tensor.data[i]!;
        const [plus, minus] = [await lossAt(w, i, H), await lossAt(w, i, -H)];
        const fd = (plus - minus) / (2 * H);
        const excess = Math.abs(fd - g) - (REL_TOLERANCE * Math.max(Math.abs(fd), Math.abs(g)) + ABS_TOLERANCE);
        r.checked++;
        if (excess <= 0) {
          r.worst = Math.max(r.worst, excess);
          continue;
        }
        const d2 = plus - 2 * (await lossAt(w, i, 0)) + minus;
        if (excess <= Math.abs(d2) / (2 * H)) r.kinks.push(`${where}: update ${g}, finite difference ${fd}, second difference ${d2}`);
        else r.failures.push(`${where}: update ${g}, finite difference ${fd}`);
      }
    }
  }
  return r;
}
