import {
  modelWeightSpecs,
  resolveArchitecture,
  type ActivationName,
  type F32Tensor,
  type FitCallbacks,
  type FitConfig,
  type History,
  type LayerInfo,
  type LayerType,
  type LossName,
  type Model,
  type NamedWeight,
  type OptimizerType,
  type ResolvedArchitecture,
  type ResolvedLayer,
} from 'mnist-spec';
import type { Activation } from './activations.js';
import { argumentError, unsupportedError } from './errors.js';
import { KerasFitLoop, type StepContext, type Trainable } from './fit.js';
import type { Layer, LayerContext } from './layers.js';
import { correct, type Loss } from './losses.js';
import type { OptimizerFactory } from './optimizers.js';
import { glorotUniform, Random } from './random.js';

/**
 * The model: a chain of layers (layers.ts, conv.ts) built from the suite's declarative architecture, with
 * Keras's weights, inference, and one training step; `fit` is Keras's loop around that step (fit.ts).
 *
 * The pieces it is assembled from are given as `Parts`, so that each can be replaced alone: that is how
 * examples/faulty/ plants one bug in an otherwise correct implementation.
 */
export type LayerFactory = (spec: ResolvedLayer, context: LayerContext) => Layer;

export interface Parts {
  /** One constructor per Keras layer type. */
  layers: Record<LayerType, LayerFactory>;
  activations: Record<ActivationName, Activation>;
  losses: Record<LossName, Loss>;
  optimizers: Record<OptimizerType, OptimizerFactory>;
  /** Keras's fit loop (fit.ts), or a subclass. */
  FitLoop: typeof KerasFitLoop;
}

/** Every model not yet disposed, so info() can say how many arrays the implementation holds (liveTensors). */
export const LIVE_MODELS = new Set<PlainModel>();

export class PlainModel implements Model, Trainable {
  readonly resolved: ResolvedArchitecture;
  private readonly chain: Layer[];
  private readonly specs: ReturnType<typeof modelWeightSpecs>;

  constructor(
    arch: Parameters<typeof resolveArchitecture>[0],
    private readonly parts: Parts,
    seed: number,
  ) {
    this.resolved = resolveArchitecture(arch);
    this.specs = modelWeightSpecs(this.resolved);
    const context: LayerContext = { activations: parts.activations };
    this.chain = this.resolved.layers.map((spec) => parts.layers[spec.type](spec, context));
    this.assign(this.initialWeights(seed));
    LIVE_MODELS.add(this);
  }

  get inputSize(): number {
    return this.resolved.inputShape.reduce((a, b) => a * b, 1);
  }
  get classes(): number {
    return this.resolved.outputShape.reduce((a, b) => a * b, 1);
  }

  /**
   * Keras's initializers, drawn in get_weights order from this model's seeded stream: kernels glorot-uniform,
   * biases and beta zero, gamma one, moving mean zero, moving variance one.
   */
  initialWeights(seed: number): Float32Array[] {
    const random = new Random(seed);
    return this.specs.map((s) => {
      const size = s.shape.reduce((a, b) => a * b, 1);
      if (s.name === 'kernel') return glorotUniform(s.shape, random);
      return new Float32Array(size).fill(s.name === 'gamma' || s.name === 'moving_variance' ? 1 : 0);
    });
  }

  /** Hand each layer its weights (copies of `list`, in get_weights order). */
  private assign(list: readonly Float32Array[]): void {
    let i = 0;
    for (const layer of this.chain) {
      layer.weights = {};
      for (const s of this.specs.filter((w) => w.layer === layer.spec.name)) layer.weights[s.name] = Float32Array.from(list[i++]!);
    }
  }

  layers(): LayerInfo[] {
    return this.resolved.layers.map((l) => {
      const own = this.specs.filter((s) => s.layer === l.name);
      const count = (w: (typeof own)[number]): number => w.shape.reduce((a, b) => a * b, 1);
      return {
        name: l.name,
        type: l.type,
        outputShape: [null, ...l.outputShape],
        params: own.reduce((a, w) => a + count(w), 0),
        trainableParams: own.filter((w) => w.trainable).reduce((a, w) => a + count(w), 0),
      };
    });
  }

  async getWeights(): Promise<NamedWeight[]> {
    // Copies: what a caller holds does not change when the model trains, nor the model when the caller writes.
    return this.specs.map((s) => ({
      layer: s.layer,
      name: s.name,
      tensor: { shape: [...s.shape], data: this.layerNamed(s.layer).weights[s.name]!.slice() },
    }));
  }

  async setWeights(weights: readonly F32Tensor[]): Promise<void> {
    if (weights.length !== this.specs.length) {
      // Stryker disable next-line StringLiteral: the message's words (its argument is judged)
      throw argumentError('weights', `the model has ${this.specs.length} weight tensors, got ${weights.length}`);
    }
    // Check every tensor before changing anything: a rejected list leaves the model as it was.
    weights.forEach((t, i) => {
      const s = this.specs[i]!;
      const sameShape = t.shape.length === s.shape.length && t.shape.every((d, k) => d === s.shape[k]);
      if (!sameShape || !(t.data instanceof Float32Array) || t.data.length !== s.shape.reduce((a, b) => a * b, 1)) {
        // Stryker disable next-line StringLiteral: the message's words (its argument is judged)
        throw argumentError(`weights[${i}] (${s.layer}/${s.name})`, `expected a float32 tensor of shape [${s.shape.join(', ')}], got [${t.shape.join(', ')}]`);
      }
    });
    this.assign(weights.map((t) => t.data));
  }

  private layerNamed(name: string): Layer {
    return this.chain.find((l) => l.spec.name === name)!;
  }

  /** Inference mode: Dropout off, BatchNormalization on its moving statistics. */
  predictRows(x: Float32Array, n: number): Float32Array {
    let v = x;
    for (const layer of this.chain) v = layer.forward(v, n);
    return v;
  }

  async predict(x: F32Tensor, options: { batchSize?: number } = {}): Promise<F32Tensor> {
    const n = x.shape[0] ?? 0;
    // Stryker disable all: argument checks and their messages, not arithmetic (npm run mutation mutates the numerical core)
    const sameShape = x.shape.length === this.resolved.inputShape.length + 1 && this.resolved.inputShape.every((d, i) => x.shape[i + 1] === d);
    if (!sameShape || x.data.length !== n * this.inputSize) {
      throw argumentError('x', `shape [${x.shape.join(', ')}] does not fit the model's input (${this.resolved.inputShape.join(', ')})`);
    }
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw argumentError('batchSize', `must be a positive integer, got ${batchSize}`);
    // Stryker restore all
    const out = new Float32Array(n * this.classes);
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      out.set(this.predictRows(x.data.subarray(start * this.inputSize, end * this.inputSize), end - start), start * this.classes);
    }
    return { shape: [n, this.classes], data: out };
  }

  /**
   * One Keras training step: forward in training mode, the batch-mean loss and accuracy (of these outputs,
   * before the update), backward through every layer, and the optimizer's update of every trainable weight.
   */
  trainStep(x: Float32Array, y: Float32Array, n: number, step: StepContext): { loss: number; acc: number } {
    const k = this.classes;
    let p = x;
    for (const layer of this.chain) p = layer.forward(p, n, { random: step.random });
    let loss = 0;
    let hits = 0;
    const dp = new Float32Array(p.length);
    for (let i = 0; i < n; i++) {
      loss += step.loss.value(p, y, i * k, k);
      hits += correct(p, y, i * k, k);
      step.loss.gradient(p, y, i * k, k, 1 / n, dp);
    }
    const params: Float32Array[] = [];
    const grads: Float32Array[] = [];
    let d: Float32Array | undefined = dp;
    for (let i = this.chain.length - 1; i >= 0; i--) {
      const layer = this.chain[i]!;
      const back = layer.backward(d!, i > 0);
      for (const [name, g] of Object.entries(back.grads)) {
        params.push(layer.weights[name]!);
        grads.push(g);
      }
      layer.release();
      d = back.dx;
    }
    step.optimizer.update(params, grads);
    return { loss: loss / n, acc: hits / n };
  }

  async fit(x: F32Tensor, y: F32Tensor, config: FitConfig, callbacks?: FitCallbacks): Promise<History> {
    const optimizer = this.parts.optimizers[config.optimizer.type];
    const loss = this.parts.losses[config.loss];
    // Stryker disable next-line all: argument checks and their messages, not arithmetic (npm run mutation mutates the numerical core)
    if (!optimizer) throw unsupportedError(`optimizer "${config.optimizer.type}" is not one of ${Object.keys(this.parts.optimizers).join(', ')}`);
    // Stryker disable next-line all: argument checks and their messages, not arithmetic (npm run mutation mutates the numerical core)
    if (!loss) throw unsupportedError(`loss "${config.loss}" is not one of ${Object.keys(this.parts.losses).join(', ')}`);
    try {
      return await new this.parts.FitLoop(this, config, { optimizer: optimizer(config.optimizer), loss }).run(x, y, callbacks);
    } finally {
      for (const layer of this.chain) layer.release();
    }
  }

  /** How many arrays the model holds: its weights, and whatever its layers keep (batch-norm averaging state). */
  heldArrays(): number {
    return this.specs.length + this.chain.reduce((a, l) => a + l.heldArrays(), 0);
  }

  dispose(): void {
    LIVE_MODELS.delete(this);
    for (const layer of this.chain) {
      layer.release();
      layer.weights = {};
    }
  }
}
