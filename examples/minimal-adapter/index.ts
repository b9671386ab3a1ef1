/**
 * The minimal adapter: a complete mnist-spec implementation in one readable file, in plain TypeScript with
 * no runtime behind it. It is the file to copy when you port the notebooks' models to your own runtime:
 * keep `build`, `layers`, `getWeights`/`setWeights` and the Keras layouts as they are, and replace the
 * kernels below (dense, conv2d, …) with calls into your runtime. Then prove it conforms:
 *
 *   npx mnist-spec conform --impl ./my-runtime/index.ts        # or a compiled .js module
 *
 * What the suite expects (src/impl/interface.ts):
 * - `build(arch, { seed })` makes a model from a declarative, Keras-config-like architecture
 *   (src/arch/types.ts). Shapes exclude the batch axis; tensors are channels-last (NHWC), row-major.
 * - Weights travel in Keras `model.get_weights()` order and layout: Dense kernel [in, out] then bias;
 *   Conv2D kernel [kh, kw, in, out] then bias; BatchNormalization gamma, beta, moving_mean, moving_variance.
 * - `predict` is Keras inference mode: Dropout is the identity, BatchNormalization uses its moving
 *   statistics, softmax normalises each sample's last axis. It returns float32 probabilities [n, classes].
 * - Loss and accuracy are never computed here: the suite computes them from `predict`'s output.
 * - No `fit`, so no `train` capability: the training specs skip with that reason (see
 *   examples/faulty/labels-off-by-one.ts for an implementation that trains by wrapping one that can).
 *
 * The faulty implementations in examples/faulty/ are this file with one kernel replaced by a buggy one:
 * `createAdapter({ ...overrides })`.
 */
import { initialWeights } from '../../src/arch/init.js';
import { modelWeightSpecs, resolveArchitecture, weightSpecsOf, type ResolvedLayer } from '../../src/arch/resolve.js';
import type { ActivationName, Architecture, LayerType } from '../../src/arch/types.js';
import { ArgumentError } from '../../src/errors.js';
import type { BuildOptions, Implementation, LayerInfo, Model, NamedWeight } from '../../src/impl/interface.js';
import { sizeOf, type F32Tensor } from '../../src/tensor.js';

/** An NHWC feature map's per-sample shape. */
export type HWC = readonly [h: number, w: number, c: number];

/**
 * The numeric kernels, one per layer operation, each on a whole batch stored row-major. `x` holds
 * `n` samples; per-sample sizes and shapes are given. Each returns a new array.
 */
export interface Kernels {
  /** y[r, j] = bias[j] + Σ_i x[r, i] · kernel[i, j]; kernel is Keras's [inDim, units]. */
  dense(x: Float32Array, rows: number, inDim: number, kernel: Float32Array, bias: Float32Array | undefined, units: number): Float32Array;
  /** An activation; softmax normalises each group of `lastDim` consecutive values (the last axis). */
  activation(x: Float32Array, n: number, lastDim: number, name: ActivationName): Float32Array;
  /** Keras Conv2D (a cross-correlation): NHWC input, kernel [kh, kw, in, out], TF 'valid'/'same' padding. */
  conv2d(x: Float32Array, n: number, input: HWC, kernel: Float32Array, bias: Float32Array | undefined, k: Conv): Float32Array;
  /** Inference-mode BatchNormalization over the last axis, with the moving statistics. */
  batchNorm(x: Float32Array, n: number, channels: number, w: BatchNormWeights, epsilon: number): Float32Array;
  maxPool2d(x: Float32Array, n: number, input: HWC, k: Pool): Float32Array;
  /** Keras Flatten of a channels-last tensor: the values in memory order, so nothing moves. */
  flatten(x: Float32Array, n: number, shape: readonly number[]): Float32Array;
  /** Dropout at inference: the identity. */
  dropout(x: Float32Array, rate: number): Float32Array;
  /** What the model does to its input before the first layer: nothing (the suite prepares inputs as each notebook did). */
  input(x: Float32Array): Float32Array;
}
export interface Conv {
  filters: number;
  kernelSize: readonly [number, number];
  strides: readonly [number, number];
  padding: 'valid' | 'same';
  output: HWC;
}
export interface Pool {
  poolSize: readonly [number, number];
  strides: readonly [number, number];
  padding: 'valid' | 'same';
  output: HWC;
}
export interface BatchNormWeights {
  gamma: Float32Array;
  beta: Float32Array;
  movingMean: Float32Array;
  movingVariance: Float32Array;
}

/** TF 'same' padding puts the smaller half before and the larger half after; 'valid' pads nothing. */
export function padBefore(size: number, k: number, stride: number, out: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.floor(Math.max((out - 1) * stride + k - size, 0) / 2) : 0;
}

/** The Keras kernels: what each layer computes. */
export const KERAS_KERNELS: Kernels = {
  dense(x, rows, inDim, kernel, bias, units) {
    const out = new Float32Array(rows * units);
    const acc = new Float64Array(units);
    for (let r = 0; r < rows; r++) {
      if (bias) for (let j = 0; j < units; j++) acc[j] = bias[j]!;
      else acc.fill(0);
      for (let i = 0; i < inDim; i++) {
        const v = x[r * inDim + i]!;
        if (v === 0) continue; // MNIST is mostly background
        const row = i * units;
        for (let j = 0; j < units; j++) acc[j]! += v * kernel[row + j]!;
      }
      out.set(acc, r * units);
    }
    return out;
  },

  activation(x, n, lastDim, name) {
    switch (name) {
      case 'linear':
        return x.slice();
      case 'relu':
        return x.map((v) => (v > 0 ? v : 0));
      case 'sigmoid':
        return x.map((v) => 1 / (1 + Math.exp(-v)));
      case 'tanh':
        return x.map(Math.tanh);
      case 'softmax': {
        const out = new Float32Array(x.length);
        for (let r = 0; r < x.length; r += lastDim) {
          let max = -Infinity;
          for (let j = 0; j < lastDim; j++) max = Math.max(max, x[r + j]!);
          let sum = 0;
          for (let j = 0; j < lastDim; j++) sum += Math.exp(x[r + j]! - max);
          for (let j = 0; j < lastDim; j++) out[r + j] = Math.exp(x[r + j]! - max) / sum;
        }
        return out;
      }
    }
  },

  conv2d(x, n, [h, w, c], kernel, bias, k) {
    const [kh, kw] = k.kernelSize;
    const [sh, sw] = k.strides;
    const [oh, ow, f] = k.output;
    const top = padBefore(h, kh, sh, oh, k.padding);
    const left = padBefore(w, kw, sw, ow, k.padding);
    const out = new Float32Array(n * oh * ow * f);
    const acc = new Float64Array(f);
    for (let s = 0; s < n; s++) {
      const xs = s * h * w * c;
      for (let y = 0; y < oh; y++)
        for (let xo = 0; xo < ow; xo++) {
          if (bias) for (let o = 0; o < f; o++) acc[o] = bias[o]!;
          else acc.fill(0);
          for (let i = 0; i < kh; i++) {
            const yy = y * sh - top + i;
            if (yy < 0 || yy >= h) continue;
            for (let j = 0; j < kw; j++) {
              const xx = xo * sw - left + j;
              if (xx < 0 || xx >= w) continue;
              for (let ch = 0; ch < c; ch++) {
                const v = x[xs + (yy * w + xx) * c + ch]!;
                if (v === 0) continue;
                const kr = ((i * kw + j) * c + ch) * f;
                for (let o = 0; o < f; o++) acc[o]! += v * kernel[kr + o]!;
              }
            }
          }
          out.set(acc, ((s * oh + y) * ow + xo) * f);
        }
    }
    return out;
  },

  batchNorm(x, _n, c, { gamma, beta, movingMean, movingVariance }, epsilon) {
    const scale = Float64Array.from(gamma, (g, i) => g / Math.sqrt(movingVariance[i]! + epsilon));
    return x.map((v, i) => (v - movingMean[i % c]!) * scale[i % c]! + beta[i % c]!);
  },

  maxPool2d(x, n, [h, w, c], k) {
    const [ph, pw] = k.poolSize;
    const [sh, sw] = k.strides;
    const [oh, ow] = k.output;
    const top = padBefore(h, ph, sh, oh, k.padding);
    const left = padBefore(w, pw, sw, ow, k.padding);
    const out = new Float32Array(n * oh * ow * c).fill(-Infinity);
    for (let s = 0; s < n; s++)
      for (let y = 0; y < oh; y++)
        for (let xo = 0; xo < ow; xo++)
          for (let i = 0; i < ph; i++) {
            const yy = y * sh - top + i;
            if (yy < 0 || yy >= h) continue;
            for (let j = 0; j < pw; j++) {
              const xx = xo * sw - left + j;
              if (xx < 0 || xx >= w) continue;
              const o = ((s * oh + y) * ow + xo) * c;
              const src = ((s * h + yy) * w + xx) * c;
              for (let ch = 0; ch < c; ch++) out[o + ch] = Math.max(out[o + ch]!, x[src + ch]!);
            }
          }
    return out;
  },

  flatten: (x) => x,
  dropout: (x) => x,
  input: (x) => x,
};

const SUPPORTED: readonly LayerType[] = ['Dense', 'Dropout', 'Activation', 'Flatten', 'Reshape', 'Conv2D', 'BatchNormalization', 'MaxPooling2D'];

/** The layer's weights, by Keras variable name. */
type LayerWeights = Record<string, Float32Array>;

function forward(kernels: Kernels, layers: readonly ResolvedLayer[], weights: readonly LayerWeights[], x: Float32Array, n: number): Float32Array {
  let v = kernels.input(x);
  layers.forEach((l, li) => {
    const w = weights[li]!;
    const inShape = l.inputShape;
    const last = (shape: readonly number[]): number => shape[shape.length - 1]!;
    switch (l.type) {
      case 'Dense': {
        const rows = (n * sizeOf(inShape)) / last(inShape);
        v = kernels.dense(v, rows, last(inShape), w.kernel!, w.bias, l.units);
        if (l.activation && l.activation !== 'linear') v = kernels.activation(v, n, l.units, l.activation);
        break;
      }
      case 'Conv2D': {
        const conv: Conv = {
          filters: l.filters,
          kernelSize: l.kernelSize,
          strides: l.strides ?? [1, 1],
          padding: l.padding ?? 'valid',
          output: l.outputShape as unknown as HWC,
        };
        v = kernels.conv2d(v, n, inShape as unknown as HWC, w.kernel!, w.bias, conv);
        if (l.activation && l.activation !== 'linear') v = kernels.activation(v, n, l.filters, l.activation);
        break;
      }
      case 'BatchNormalization':
        v = kernels.batchNorm(
          v,
          n,
          last(inShape),
          { gamma: w.gamma!, beta: w.beta!, movingMean: w.moving_mean!, movingVariance: w.moving_variance! },
          l.epsilon ?? 1e-3,
        );
        break;
      case 'MaxPooling2D':
        v = kernels.maxPool2d(v, n, inShape as unknown as HWC, {
          poolSize: l.poolSize,
          strides: l.strides ?? l.poolSize,
          padding: l.padding ?? 'valid',
          output: l.outputShape as unknown as HWC,
        });
        break;
      case 'Activation':
        v = kernels.activation(v, n, last(l.outputShape), l.activation);
        break;
      case 'Flatten':
        v = kernels.flatten(v, n, inShape);
        break;
      case 'Reshape':
        break; // row-major data does not move
      case 'Dropout':
        v = kernels.dropout(v, l.rate);
        break;
    }
  });
  return v;
}

class AdapterModel implements Model {
  /** Per layer, its weights by Keras variable name. */
  private weights: LayerWeights[];
  private readonly specs;

  constructor(
    private readonly kernels: Kernels,
    private readonly resolved: ReturnType<typeof resolveArchitecture>,
    initial: readonly F32Tensor[],
  ) {
    this.specs = modelWeightSpecs(resolved);
    this.weights = this.unflatten(initial.map((t) => t.data.slice()));
  }

  private unflatten(list: readonly Float32Array[]): LayerWeights[] {
    let i = 0;
    return this.resolved.layers.map((l) => Object.fromEntries(weightSpecsOf(l, l.inputShape).map((s) => [s.name, list[i++]!])));
  }

  layers(): LayerInfo[] {
    return this.resolved.layers.map((l) => {
      const specs = weightSpecsOf(l, l.inputShape);
      const count = (trainable?: boolean): number => specs.filter((s) => trainable === undefined || s.trainable === trainable).reduce((a, s) => a + sizeOf(s.shape), 0);
      return { name: l.name, type: l.type, outputShape: [null, ...l.outputShape], params: count(), trainableParams: count(true) };
    });
  }

  async getWeights(): Promise<NamedWeight[]> {
    const flat = this.resolved.layers.flatMap((l, li) => weightSpecsOf(l, l.inputShape).map((s) => this.weights[li]![s.name]!));
    return this.specs.map((s, i) => ({ layer: s.layer, name: s.name, tensor: { shape: [...s.shape], data: flat[i]!.slice() } }));
  }

  async setWeights(given: readonly F32Tensor[]): Promise<void> {
    if (given.length !== this.specs.length) throw new ArgumentError('weights', `expected ${this.specs.length} arrays, got ${given.length}`);
    given.forEach((t, i) => {
      const s = this.specs[i]!;
      if (t.shape.length !== s.shape.length || t.shape.some((d, k) => d !== s.shape[k]) || t.data.length !== sizeOf(s.shape)) {
        throw new ArgumentError(`weights[${i}] (${s.layer}/${s.name})`, `shape [${t.shape.join(', ')}], expected [${s.shape.join(', ')}]`);
      }
    });
    this.weights = this.unflatten(given.map((t) => Float32Array.from(t.data)));
  }

  async predict(x: F32Tensor, options: { batchSize?: number } = {}): Promise<F32Tensor> {
    const n = x.shape[0]!;
    const per = sizeOf(this.resolved.inputShape);
    if (x.data.length !== n * per) throw new ArgumentError('x', `shape [${x.shape.join(', ')}] does not fit input (${this.resolved.inputShape.join(', ')})`);
    const classes = sizeOf(this.resolved.outputShape);
    const out = new Float32Array(n * classes);
    const batch = options.batchSize ?? 32;
    for (let start = 0; start < n; start += batch) {
      const end = Math.min(n, start + batch);
      const p = forward(this.kernels, this.resolved.layers, this.weights, x.data.subarray(start * per, end * per), end - start);
      out.set(p, start * classes);
    }
    return { shape: [n, classes], data: out };
  }

  dispose(): void {
    this.weights = [];
  }
}

/** The adapter with the Keras kernels, or with some replaced (that is how examples/faulty/ plant their bugs). */
export function createAdapter(overrides: Partial<Kernels> = {}, name = 'minimal-adapter'): Implementation {
  const kernels: Kernels = { ...KERAS_KERNELS, ...overrides };
  return {
    name,
    version: '1.0.0',
    capabilities: { layers: SUPPORTED },
    async info() {
      return { backend: 'typescript-float64-accumulate', details: { file: 'examples/minimal-adapter/index.ts' } };
    },
    async build(arch: Architecture, options: BuildOptions = {}): Promise<Model> {
      const resolved = resolveArchitecture(arch);
      // Keras initializers on the suite's seeded Rng (src/arch/init.ts): same seed, same weights as every
      // implementation that uses it. With no seed, fresh random weights, as Keras gives.
      const seed = options.seed ?? Math.floor(Math.random() * 0x7fffffff);
      return new AdapterModel(kernels, resolved, initialWeights(resolved, seed));
    },
  };
}

export default createAdapter();
