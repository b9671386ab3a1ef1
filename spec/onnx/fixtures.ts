import { initialWeights } from '../../src/arch/init.js';
import { modelWeightSpecs, type ResolvedArchitecture } from '../../src/arch/resolve.js';
import type { Architecture } from '../../src/arch/types.js';
import type { InputPrep } from '../../src/recipes/index.js';
import { sizeOf, type F32Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/util/rng.js';

/**
 * Initial Keras weights with every non-kernel weight moved off its initializer constant: zero biases and
 * BatchNormalization's (1, 0, 0, 1) would let a swapped or dropped parameter go unnoticed.
 */
export function distinctWeights(resolved: ResolvedArchitecture, seed: number): F32Tensor[] {
  const rng = new Rng(seed).fork(1000);
  const u = (lo: number, hi: number): number => lo + (hi - lo) * rng.float();
  const range: Record<string, [number, number]> = {
    bias: [-0.2, 0.2],
    gamma: [0.5, 1.5],
    beta: [-0.5, 0.5],
    moving_mean: [-0.5, 0.5],
    moving_variance: [0.5, 2],
  };
  const specs = modelWeightSpecs(resolved);
  return initialWeights(resolved, seed).map((w, i) => {
    const r = range[specs[i]!.name];
    return r ? { shape: w.shape, data: w.data.map(() => u(...r)) } : w;
  });
}

/** Inputs as the recipe's notebook feeds them: 0..255 integers for seed 000 as it ran, else [0, 1). */
export function sampleInputs(inputShape: readonly number[], n: number, prep: InputPrep, seed: number): F32Tensor {
  const rng = new Rng(seed).fork(2000);
  const data = new Float32Array(n * sizeOf(inputShape));
  for (let i = 0; i < data.length; i++) data[i] = prep === 'flat-unscaled' ? rng.int(0, 255) : rng.float();
  return { shape: [n, ...inputShape], data };
}

/**
 * Every layer type and option the export handles beyond the notebooks: strided 'same' convolution with an
 * odd total padding (the extra row/column goes at the end), 'same' pooling with its own strides, Dense on
 * a rank-3 tensor (MatMul + Add), Reshape with an inferred axis, Dense without bias, BatchNormalization on
 * rank 1 and rank 3, and tanh/sigmoid.
 */
export const EVERY_OPTION: Architecture = {
  kind: 'sequential',
  name: 'every_option',
  inputShape: [8, 8, 2],
  layers: [
    { type: 'Conv2D', filters: 3, kernelSize: [3, 3], strides: [2, 2], padding: 'same', activation: 'tanh' },
    { type: 'BatchNormalization', epsilon: 0.01 },
    { type: 'MaxPooling2D', poolSize: [3, 3], strides: [2, 2], padding: 'same' },
    { type: 'Dense', units: 4, activation: 'sigmoid' },
    { type: 'Reshape', targetShape: [4, -1] },
    { type: 'BatchNormalization', momentum: 0.9 },
    { type: 'Flatten' },
    { type: 'Dropout', rate: 0.3 },
    { type: 'Dense', units: 5, useBias: false },
    { type: 'BatchNormalization' },
    { type: 'Activation', activation: 'softmax' },
  ],
};
