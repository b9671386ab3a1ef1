import type { Architecture, LayerInfo, LayerType } from '../arch/types.js';

export type { LayerInfo } from '../arch/types.js';
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
 *
 * What the suite relies on, beyond the types (each is judged by a spec; CONTRACT.md maps them):
 * - Values cross the interface as copies. `getWeights` returns a snapshot: later training or setWeights does not
 *   change arrays already returned, and writing into them does not change the model. `setWeights` copies what it
 *   is given. `predict` and `fit` never write into their inputs.
 * - Errors are judged by what any runtime can produce without importing this package: an `Error` whose `name` and
 *   documented fields say what was wrong — never by class identity. `setWeights` given a list of the wrong length or
 *   a tensor of the wrong shape rejects with `name: 'ArgumentError'` and `argument` naming the position and the
 *   weight (`weights[2] (dense_2/kernel)`), and leaves the model as it was.
 * - Seeds: the same `build` seed gives the same initial weights within one implementation, and the same `fit` seed
 *   the same shuffles and dropout masks; no spec compares random draws across implementations.
 * - Everything an implementation returns is checked before a spec sees it (src/harness/guard.ts): float32 data,
 *   the shape the architecture implies, finite values.
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

/** One weight tensor with its Keras identity: `dense_1/kernel:0` is { layer: 'dense_1', name: 'kernel' }. */
export interface NamedWeight {
  layer: string;
  name: string;
  tensor: F32Tensor;
}

export interface Model {
  /** The layers in execution order, input layer excluded. */
  layers(): LayerInfo[];
  /**
   * Keras `model.get_weights()` order and layout: Dense kernel [in, out], Conv2D kernel [kh, kw, in, out];
   * BatchNormalization gamma, beta, moving_mean, moving_variance. A snapshot: copies, not views of live buffers.
   */
  getWeights(): Promise<NamedWeight[]>;
  /**
   * Keras `model.set_weights(...)`: the same order and shapes as getWeights returns, copied in. A wrong length or
   * shape rejects with an Error named 'ArgumentError' whose `argument` names `weights[i] (layer/name)`, changing nothing.
   */
  setWeights(weights: readonly F32Tensor[]): Promise<void>;
  /** Inference mode (dropout off, batch-norm moving statistics): x [n, ...inputShape] → probabilities [n, classes]. */
  predict(x: F32Tensor, options?: { batchSize?: number }): Promise<F32Tensor>;
  /**
   * Present when the implementation declares `capabilities.train`. x, y or validationData that do not fit the model
   * reject with an Error named 'ArgumentError' whose `argument` names it (`x`, `y`, `validationData.x`, `validationData.y`),
   * before any training.
   */
  fit?(x: F32Tensor, y: F32Tensor, config: FitConfig, callbacks?: FitCallbacks): Promise<History>;
  /** Free everything the model holds (tensors, sessions); the model is unusable after. */
  dispose(): void;
}

/** What a module handed to `--impl path/to/module.js` must export as default: the implementation or a factory. */
export type ImplementationModule = Implementation | (() => Implementation | Promise<Implementation>);
