import type { Architecture } from '../../src/arch/types.js';
import type { InputPrep } from '../../src/recipes/index.js';
import { sizeOf, type F32Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/util/rng.js';

// Weights unlike the initial ones (non-zero biases, non-trivial batch-norm statistics): src/reference/keras-float64.ts.
export { distinctWeights } from '../../src/reference/keras-float64.js';

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
