import type { F32Tensor } from '../tensor.js';
import { sizeOf } from '../tensor.js';
import { Rng } from '../util/rng.js';
import { modelWeightSpecs, type ResolvedArchitecture, type WeightSpec } from './resolve.js';

/**
 * Keras's default initializers, drawn from the project's seeded Rng so that every implementation that
 * uses them starts from the same weights for the same seed: glorot_uniform kernels, zero biases, and
 * BatchNormalization's gamma=1, beta=0, moving_mean=0, moving_variance=1.
 */

/** Keras `_compute_fans`: a Dense kernel [in, out]; a conv kernel [...receptive field, in, out]. */
export function fansOf(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new RangeError(`fansOf: a kernel has at least 2 dimensions, got [${shape.join(', ')}]`);
  const receptive = sizeOf(shape.slice(0, -2));
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

/** glorot_uniform: U(-limit, limit) with limit = sqrt(6 / (fan_in + fan_out)). */
export function glorotUniform(shape: readonly number[], rng: Rng): Float32Array {
  const { fanIn, fanOut } = fansOf(shape);
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = limit * (2 * rng.float() - 1);
  return out;
}

const CONSTANT: Record<string, number> = { bias: 0, beta: 0, moving_mean: 0, gamma: 1, moving_variance: 1 };

function initialValue(spec: WeightSpec, rng: Rng): Float32Array {
  if (spec.name === 'kernel') return glorotUniform(spec.shape, rng);
  const c = CONSTANT[spec.name];
  if (c === undefined) throw new RangeError(`initialWeights: no initializer for weight "${spec.name}"`);
  return new Float32Array(sizeOf(spec.shape)).fill(c);
}

/**
 * A model's initial weights in Keras `get_weights()` order. Each weight draws from its own stream forked
 * by its index, so changing one layer leaves the other layers' initial values unchanged.
 */
export function initialWeights(resolved: ResolvedArchitecture, seed: number): F32Tensor[] {
  const root = new Rng(seed);
  return modelWeightSpecs(resolved).map((spec, i) => ({ shape: [...spec.shape], data: initialValue(spec, root.fork(i)) }));
}
