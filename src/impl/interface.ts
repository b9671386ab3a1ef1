import type { Architecture, LayerType } from '../arch/types.js';
import type { F32Tensor } from '../tensor.js';
import type { FitCallbacks, FitConfig, History, LossName, OptimizerType } from '../train/config.js';

/**
 * The one interface through which every spec talks to an implementation (after the ONNX backend's
 * prepare→run and the WebGPU CTS's provider module). A runtime joins the suite by exporting an
 * `Implementation` as its module's default export; see examples/ and README "Plug in your own runtime".
 *
 * Mandatory: build a model from a declarative architecture, report its layers, get and set weights in
 * Keras order and layout, predict. Optional, declared in `capabilities`: training. Evaluation is not part
 * of the interface: the suite computes Keras's loss and accuracy from `predict`'s probabilities
 * (src/train/metrics.ts), so every implementation is judged by the same arithmetic.
 */
export interface Implementation {
  readonly name: string;
  readonly version: string;
  readonly capabilities: Capabilities;
  /** What actually computes (e.g. `{ backend: 'wasm' }`): reported with every result. May initialise the runtime. */
  info(): Promise<ImplementationInfo>;
  /** Build a model with fresh initial weights (Keras initializers: glorot-uniform kernels, zero biases). */
  build(arch: Architecture, options?: BuildOptions): Promise<Model>;
  /** Release the runtime, if it holds anything process-wide. */
  close?(): Promise<void>;
  /**
   * Set when the implementation cannot run on this machine (a missing library or interpreter): why, and how
   * to install what is missing. Every spec then skips with this reason, never passes.
   */
  readonly unavailable?: string;
}

export interface Capabilities {
  /** The layer types `build` accepts. An architecture using another type makes a spec skip, not fail. */
  readonly layers: readonly LayerType[];
  /** Present when the implementation can train: what it supports. Absent means inference only. */
  readonly train?: {
    readonly optimizers: readonly OptimizerType[];
    readonly losses: readonly LossName[];
  };
}

export interface ImplementationInfo {
  /** The compute backend that ran, e.g. 'tensorflow' (tfjs-node), 'wasm', 'cpu', 'onnxruntime-cpu'. */
  backend: string;
  /**
   * What the backend really computes in, when it can be less than float32 (TF.js on WebGL without float32
   * textures stores every intermediate as float16). Absent means float32. Specs pick their tolerance profile by it.
   */
  precision?: Precision;
  /**
   * Anything else worth a line in a report (threads, library versions). `liveTensors`, when an
   * implementation can count what it holds, lets the leak spec check that dispose() frees a model.
   */
  details?: Record<string, string | number | boolean>;
}

/** The arithmetic an implementation computes in. */
export type Precision = 'float32' | 'float16';

export interface BuildOptions {
  /** Seeds the initial weights. Same seed, same weights, within one implementation. */
  seed?: number;
}

/** One row of `model.summary()`: Keras class name, output shape with the batch axis as null. */
export interface LayerInfo {
  name: string;
  type: string;
  outputShape: (number | null)[];
  params: number;
  trainableParams: number;
}

/** One weight tensor with its Keras identity: `dense_1/kernel:0` is { layer: 'dense_1', name: 'kernel' }. */
export interface NamedWeight {
  layer: string;
  name: string;
  tensor: F32Tensor;
}

export interface Model {
  /** The layers in execution order, input layer excluded. */
  layers(): LayerInfo[];
  /** Keras `model.get_weights()` order and layout: Dense kernel [in, out], Conv2D kernel [kh, kw, in, out]. */
  getWeights(): Promise<NamedWeight[]>;
  /** Keras `model.set_weights(...)`: the same order and shapes as getWeights returns. */
  setWeights(weights: readonly F32Tensor[]): Promise<void>;
  /** Inference mode (dropout off, batch-norm moving statistics): x [n, ...inputShape] → probabilities [n, classes]. */
  predict(x: F32Tensor, options?: { batchSize?: number }): Promise<F32Tensor>;
  /** Present when the implementation declares `capabilities.train`. */
  fit?(x: F32Tensor, y: F32Tensor, config: FitConfig, callbacks?: FitCallbacks): Promise<History>;
  /** Free everything the model holds (tensors, sessions); the model is unusable after. */
  dispose(): void;
}

/** What a module handed to `--impl path/to/module.js` must export as default: the implementation or a factory. */
export type ImplementationModule = Implementation | (() => Implementation | Promise<Implementation>);
