import type { ActivationName, ResolvedLayer } from 'mnist-spec';
import { KERAS_ACTIVATIONS, type Activation } from './activations.js';
import { matmul, matmulTransposedA, matmulTransposedB } from './gemm.js';
import type { Random } from './random.js';

/**
 * Every Keras layer type the notebooks use, forward and backward, on a batch stored row-major and channels-last
 * (NHWC), as Keras stores it: `x` holds `n` samples of the layer's input shape.
 *
 * - `forward(x, n, training)`: inference mode when `training` is undefined (Dropout is the identity,
 *   BatchNormalization uses its moving statistics); training mode otherwise (Dropout draws its mask from
 *   `training.random`, BatchNormalization normalises with the batch's statistics and updates its moving ones).
 *   In training mode a layer keeps what its backward pass needs.
 * - `backward(dy)`: after a training-mode forward, the gradient of the loss with respect to the layer's input
 *   (when `needInputGrad`) and, in `grads`, with respect to each trainable weight, by Keras variable name.
 *
 * Weights are held by Keras variable name (`kernel`, `bias`, `gamma`, `beta`, `moving_mean`, `moving_variance`)
 * in Keras layouts: Dense kernel [in, units], Conv2D kernel [kh, kw, in, filters].
 */
export interface TrainingPass {
  /** The fit's random stream, for dropout masks. */
  random: Random;
}

export interface Backward {
  dx: Float32Array | undefined;
  grads: Record<string, Float32Array>;
}

/** What a layer is built with: its resolved Keras spec (name, shapes, arguments) and the activations to use. */
export interface LayerContext {
  activations: Record<ActivationName, Activation>;
}

export abstract class Layer<S extends ResolvedLayer = ResolvedLayer> {
  /** This layer's weights by Keras variable name; set by the model (initial values, setWeights, updates). */
  weights: Record<string, Float32Array> = {};

  constructor(
    readonly spec: S,
    readonly context: LayerContext,
  ) {}

  /** Values per sample at the input and the output. */
  get inputSize(): number {
    return this.spec.inputShape.reduce((a, b) => a * b, 1);
  }
  get outputSize(): number {
    return this.spec.outputShape.reduce((a, b) => a * b, 1);
  }

  abstract forward(x: Float32Array, n: number, training?: TrainingPass): Float32Array;

  backward(_dy: Float32Array, _needInputGrad: boolean): Backward {
    // Stryker disable next-line all: argument checks and their messages, not arithmetic (npm run mutation mutates the numerical core)
    throw new Error(`${this.spec.name}: backward without a training-mode forward`);
  }

  /** Forget what the last training-mode forward kept (the model calls this after each step). */
  release(): void {}

  /** The arrays this layer keeps besides its weights (what a forward kept for backward, batch-norm averaging state). */
  heldArrays(): number {
    let count = 0;
    for (const [key, value] of Object.entries(this)) {
      if (key === 'weights' || !value || typeof value !== 'object') continue;
      if (ArrayBuffer.isView(value)) count++;
      else count += Object.values(value).filter((v) => ArrayBuffer.isView(v)).length;
    }
    return count;
  }
}

type Spec<T extends ResolvedLayer['type']> = Extract<ResolvedLayer, { type: T }>;

/** Dense: y = activation(x · kernel + bias) over the last axis. */
export class DenseLayer extends Layer<Spec<'Dense'>> {
  private x: Float32Array | undefined;
  private y: Float32Array | undefined;

  get inDim(): number {
    return this.spec.inputShape[this.spec.inputShape.length - 1]!;
  }
  get activation(): Activation {
    return this.context.activations[this.spec.activation ?? 'linear'];
  }

  /** x · kernel + bias for `rows` rows of `inDim` values: [rows, units]. */
  affine(x: Float32Array, rows: number): Float32Array {
    const { units } = this.spec;
    const z = matmul(x, this.weights.kernel!, rows, this.inDim, units);
    if (this.weights.bias) addBias(z, this.weights.bias);
    return z;
  }

  forward(x: Float32Array, n: number, training?: TrainingPass): Float32Array {
    const rows = (n * this.inputSize) / this.inDim;
    const y = this.activation.forward(this.affine(x, rows), this.spec.units);
    if (training) [this.x, this.y] = [x, y];
    return y;
  }

  override backward(dy: Float32Array, needInputGrad: boolean): Backward {
    const { units } = this.spec;
    const x = this.x!;
    const rows = x.length / this.inDim;
    const dz = this.activation.backward(this.y!, dy, units);
    const grads: Record<string, Float32Array> = { kernel: matmulTransposedA(x, dz, rows, this.inDim, units) };
    if (this.weights.bias) grads.bias = columnSums(dz, units);
    const dx = needInputGrad ? matmulTransposedB(dz, this.weights.kernel!, rows, units, this.inDim) : undefined;
    return { dx, grads };
  }

  override release(): void {
    this.x = this.y = undefined;
  }
}

/** Activation: one of Keras's activations on its own. */
export class ActivationLayer extends Layer<Spec<'Activation'>> {
  private y: Float32Array | undefined;

  forward(x: Float32Array, _n: number, training?: TrainingPass): Float32Array {
    const y = this.context.activations[this.spec.activation].forward(x, lastOf(this.spec.outputShape));
    if (training) this.y = y;
    return y;
  }

  override backward(dy: Float32Array): Backward {
    return { dx: this.context.activations[this.spec.activation].backward(this.y!, dy, lastOf(this.spec.outputShape)), grads: {} };
  }

  override release(): void {
    this.y = undefined;
  }
}

/**
 * Dropout: the identity at inference. In training, each value is kept with probability 1 − rate and scaled by
 * 1 / (1 − rate), so its expected value is unchanged (Keras's K.dropout, i.e. tf.nn.dropout: "inputs ... scaled up
 * by 1 / keep_prob"). Keras applies it only for 0 < rate < 1.
 */
export class DropoutLayer extends Layer<Spec<'Dropout'>> {
  private mask: Float32Array | undefined;

  /** Keep a unit when its uniform draw is ≥ rate: 1 / keep where kept, 0 where dropped. */
  drawMask(size: number, random: Random): Float32Array {
    const { rate } = this.spec;
    const scale = 1 / (1 - rate);
    const mask = new Float32Array(size);
    for (let i = 0; i < size; i++) mask[i] = random.float() >= rate ? scale : 0;
    return mask;
  }

  forward(x: Float32Array, _n: number, training?: TrainingPass): Float32Array {
    const { rate } = this.spec;
    if (!training || !(rate > 0 && rate < 1)) {
      this.mask = undefined;
      return x;
    }
    this.mask = this.drawMask(x.length, training.random);
    return multiply(x, this.mask);
  }

  override backward(dy: Float32Array): Backward {
    return { dx: this.mask ? multiply(dy, this.mask) : dy, grads: {} };
  }

  override release(): void {
    this.mask = undefined;
  }
}

/** Flatten: Keras flattens a channels-last tensor in memory order (h, w, c), so no value moves. */
export class FlattenLayer extends Layer<Spec<'Flatten'>> {
  forward(x: Float32Array): Float32Array {
    return x;
  }
  override backward(dy: Float32Array): Backward {
    return { dx: dy, grads: {} };
  }
}

/** Reshape: row-major data keeps its order; only the shape changes. */
export class ReshapeLayer extends Layer<Spec<'Reshape'>> {
  forward(x: Float32Array): Float32Array {
    return x;
  }
  override backward(dy: Float32Array): Backward {
    return { dx: dy, grads: {} };
  }
}

/**
 * BatchNormalization over the last (channels) axis, Keras 2.2 with the TensorFlow backend:
 * - inference: y = gamma · (x − moving_mean) / sqrt(moving_variance + epsilon) + beta;
 * - training: the same with the batch's mean and (biased) variance over every axis but the channels, and after
 *   the step the moving statistics move towards the batch's: `K.moving_average_update(moving, value, momentum)`,
 *   which is TensorFlow's `assign_moving_average(..., zero_debias=True)`: a biased average
 *   `biased = momentum · biased + (1 − momentum) · value` is kept beside the layer, and the moving statistic is
 *   set to `biased / (1 − momentum^step)`. The variance it averages is the batch variance times
 *   m / (m − (1 + epsilon)) (keras/layers/normalization.py), m the values per channel, and for image inputs
 *   TensorFlow's fused batch norm has already made it unbiased (times m / (m − 1)).
 */
export class BatchNormalizationLayer extends Layer<Spec<'BatchNormalization'>> {
  protected xhat: Float32Array | undefined;
  protected inv: Float64Array | undefined;
  /** The zero-debiased averages' state: kept with the layer for the model's life, as TensorFlow keeps it. */
  private averaged: { mean: Float64Array; variance: Float64Array; steps: number } | undefined;

  get channels(): number {
    return lastOf(this.spec.inputShape);
  }
  get epsilon(): number {
    return this.spec.epsilon ?? 1e-3;
  }
  get momentum(): number {
    return this.spec.momentum ?? 0.99;
  }

  /** Per-channel mean and biased variance of `x` read as [m, channels] (two passes: no cancellation). */
  batchStatistics(x: Float32Array): { mean: Float64Array; variance: Float64Array } {
    const c = this.channels;
    const m = x.length / c;
    const mean = new Float64Array(c);
    const variance = new Float64Array(c);
    for (let row = 0; row < x.length; row += c) for (let ch = 0; ch < c; ch++) mean[ch] += x[row + ch]!;
    for (let ch = 0; ch < c; ch++) mean[ch] /= m;
    for (let row = 0; row < x.length; row += c) {
      for (let ch = 0; ch < c; ch++) {
        const d = x[row + ch]! - mean[ch]!;
        variance[ch] += d * d;
      }
    }
    for (let ch = 0; ch < c; ch++) variance[ch] /= m;
    return { mean, variance };
  }

  /** Inference: gamma · (x − moving_mean) / sqrt(moving_variance + epsilon) + beta, as one scale and shift per channel. */
  normalizeWithMovingStatistics(x: Float32Array): Float32Array {
    const c = this.channels;
    const { gamma, beta, moving_mean: mean, moving_variance: variance } = this.weights;
    const scale = new Float64Array(c);
    const shift = new Float64Array(c);
    for (let ch = 0; ch < c; ch++) {
      scale[ch] = gamma![ch]! / Math.sqrt(variance![ch]! + this.epsilon);
      shift[ch] = beta![ch]! - mean![ch]! * scale[ch]!;
    }
    const y = new Float32Array(x.length);
    for (let row = 0; row < x.length; row += c) for (let ch = 0; ch < c; ch++) y[row + ch] = x[row + ch]! * scale[ch]! + shift[ch]!;
    return y;
  }

  /** (x − mean) · inv per channel: x normalised, before gamma and beta. */
  standardize(x: Float32Array, mean: ArrayLike<number>, inv: ArrayLike<number>): Float32Array {
    const c = this.channels;
    const out = new Float32Array(x.length);
    for (let row = 0; row < x.length; row += c) for (let ch = 0; ch < c; ch++) out[row + ch] = (x[row + ch]! - mean[ch]!) * inv[ch]!;
    return out;
  }

  /** gamma · xhat + beta per channel. */
  scaleAndShift(xhat: Float32Array): Float32Array {
    const c = this.channels;
    const { gamma, beta } = this.weights;
    const y = new Float32Array(xhat.length);
    for (let row = 0; row < xhat.length; row += c) for (let ch = 0; ch < c; ch++) y[row + ch] = xhat[row + ch]! * gamma![ch]! + beta![ch]!;
    return y;
  }

  forward(x: Float32Array, _n: number, training?: TrainingPass): Float32Array {
    const eps = this.epsilon;
    if (!training) return this.normalizeWithMovingStatistics(x);
    const { mean, variance } = this.batchStatistics(x);
    const inv = variance.map((v) => 1 / Math.sqrt(v + eps));
    const xhat = this.standardize(x, mean, inv);
    this.xhat = xhat;
    this.inv = inv;
    this.updateMovingStatistics(mean, variance, x.length / this.channels);
    return this.scaleAndShift(xhat);
  }

  /** The moving statistics after one training step whose batch had `m` values per channel. */
  updateMovingStatistics(mean: Float64Array, variance: Float64Array, m: number): void {
    let factor = m / (m - (1 + this.epsilon));
    if (this.spec.inputShape.length === 3) factor *= m / Math.max(m - 1, 1); // fused (image) batch norm: unbiased
    const momentum = this.momentum;
    const c = this.channels;
    const avg = (this.averaged ??= { mean: new Float64Array(c), variance: new Float64Array(c), steps: 0 });
    avg.steps++;
    const correction = 1 - momentum ** avg.steps;
    const movingMean = this.weights.moving_mean!;
    const movingVariance = this.weights.moving_variance!;
    for (let ch = 0; ch < c; ch++) {
      avg.mean[ch] = momentum * avg.mean[ch]! + (1 - momentum) * mean[ch]!;
      avg.variance[ch] = momentum * avg.variance[ch]! + (1 - momentum) * variance[ch]! * factor;
      movingMean[ch] = avg.mean[ch]! / correction;
      movingVariance[ch] = avg.variance[ch]! / correction;
    }
  }

  override backward(dy: Float32Array, needInputGrad: boolean): Backward {
    const c = this.channels;
    const xhat = this.xhat!;
    const inv = this.inv!;
    const gamma = this.weights.gamma!;
    const m = dy.length / c;
    const dgamma = new Float64Array(c);
    const dbeta = new Float64Array(c);
    for (let row = 0; row < dy.length; row += c) {
      for (let ch = 0; ch < c; ch++) {
        dgamma[ch] += dy[row + ch]! * xhat[row + ch]!;
        dbeta[ch] += dy[row + ch]!;
      }
    }
    const grads = { gamma: Float32Array.from(dgamma), beta: Float32Array.from(dbeta) };
    if (!needInputGrad) return { dx: undefined, grads };
    // dx = inv · (dxhat − mean(dxhat) − xhat · mean(dxhat · xhat)), dxhat = dy · gamma; the two means are
    // dbeta · gamma / m and dgamma · gamma / m.
    const dx = new Float32Array(dy.length);
    for (let row = 0; row < dy.length; row += c) {
      for (let ch = 0; ch < c; ch++) {
        const g = gamma[ch]!;
        const i = row + ch;
        dx[i] = inv[ch]! * (dy[i]! * g - (dbeta[ch]! * g) / m - (xhat[i]! * dgamma[ch]! * g) / m);
      }
    }
    return { dx, grads };
  }

  override release(): void {
    this.xhat = this.inv = undefined;
  }
}

export function lastOf(shape: readonly number[]): number {
  return shape[shape.length - 1]!;
}

/** Σ over rows of a [rows, cols] matrix: a bias's gradient. */
export function columnSums(dz: Float32Array, cols: number): Float32Array {
  const sums = new Float64Array(cols);
  for (let row = 0; row < dz.length; row += cols) for (let j = 0; j < cols; j++) sums[j] += dz[row + j]!;
  return Float32Array.from(sums);
}

/** z[row, j] += bias[j] for every row of a [rows, bias.length] matrix, in place. */
export function addBias(z: Float32Array, bias: Float32Array): void {
  const cols = bias.length;
  for (let row = 0; row < z.length; row += cols) for (let j = 0; j < cols; j++) z[row + j] += bias[j]!;
}

/** a ⊙ b, element by element. */
export function multiply(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * b[i]!;
  return out;
}

export { KERAS_ACTIVATIONS };
