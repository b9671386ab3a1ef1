import type * as ortTypes from 'onnxruntime-node';
import { checkWeights, layerInfosOf, type ResolvedArchitecture } from '../../arch/resolve.js';
import { ArgumentError, UnsupportedError } from '../../errors.js';
import { batchRanges } from '../../preprocess/index.js';
import { shapeString, sizeOf, sliceRows, type F32Tensor } from '../../tensor.js';
import { resolveOptimizer, type FitCallbacks, type FitConfig, type History, type LossName } from '../../train/config.js';
import { runKerasFit } from '../../train/loop.js';
import type { LayerInfo, Model, NamedWeight } from '../interface.js';
import { buildInferenceGraph, engineWeightSpecs, PROBS, X, type EngineWeightSpec } from './program.js';
import { createSession, f32Tensor } from './session.js';
import { ledger } from './ledger.js';
import { compileStep, Trainer, type CompiledStep, type DebiasState, type TrainTarget } from './train.js';

export const LOSSES: readonly LossName[] = ['categorical_crossentropy', 'mean_squared_error'];

/** An inference session with the weights it froze, and how many predicts run on it. */
interface InferenceCompiled {
  version: number;
  session: Promise<ortTypes.InferenceSession>;
  users: number;
  retired: boolean;
}

/**
 * A model of the engine: the resolved architecture and its weights as Float32Arrays in Keras order and
 * layout. Inference runs one graph with the current weights frozen in (built again once the weights have
 * changed: after setWeights, and at the end of each epoch of a fit whose validation predicts); each distinct
 * (loss, optimizer) compiles one training-step graph, kept for later fits.
 */
export class EngineModel implements Model {
  private readonly specs: EngineWeightSpec[];
  private readonly target: TrainTarget;
  private inference: InferenceCompiled | undefined;
  /** Bumped whenever the weights change, so the frozen inference graph is rebuilt before the next predict. */
  private version = 0;
  private readonly steps = new Map<string, Promise<CompiledStep>>();
  private disposed = false;
  private busy = 0;

  constructor(
    private readonly resolved: ResolvedArchitecture,
    initial: F32Tensor[],
  ) {
    this.specs = engineWeightSpecs(resolved);
    this.target = { weights: initial.map((t) => t.data), debias: new Map<string, DebiasState>() };
    ledger.hold(this.target.weights.length);
  }

  private live(): void {
    if (this.disposed) throw new ArgumentError('model', 'has been disposed');
  }

  layers(): LayerInfo[] {
    this.live();
    return layerInfosOf(this.resolved);
  }

  async getWeights(): Promise<NamedWeight[]> {
    this.live();
    return this.specs.map((w) => ({ layer: w.layer, name: w.name, tensor: { shape: [...w.shape], data: this.target.weights[w.index]!.slice() } }));
  }

  async setWeights(weights: readonly F32Tensor[]): Promise<void> {
    this.live();
    checkWeights(this.resolved, weights);
    weights.forEach((t, i) => this.target.weights[i]!.set(t.data));
    this.version++;
  }

  private checkInput(x: F32Tensor, what: string): number {
    const want = this.resolved.inputShape;
    if (x.shape.length !== want.length + 1 || x.shape.slice(1).some((d, i) => d !== want[i])) {
      throw new ArgumentError(what, `expected shape (n, ${want.join(', ')}), got ${shapeString(x.shape)}`);
    }
    if (!(x.data instanceof Float32Array) || x.data.length !== sizeOf(x.shape)) {
      throw new ArgumentError(what, `expected a Float32Array of ${sizeOf(x.shape)} values for shape ${shapeString(x.shape)}`);
    }
    return x.shape[0]!;
  }

  /** The inference session for the current weights, held for one predict (`releaseInference` when done). */
  private acquireInference(): InferenceCompiled {
    if (this.inference?.version !== this.version) {
      if (this.inference) this.retire(this.inference);
      this.inference = { version: this.version, session: createSession(buildInferenceGraph(this.resolved, this.target.weights)), users: 0, retired: false };
    }
    this.inference.users++;
    return this.inference;
  }

  private releaseInference(c: InferenceCompiled): void {
    if (--c.users === 0 && c.retired) void c.session.then((s) => s.release()).catch(() => undefined);
  }

  private retire(c: InferenceCompiled): void {
    c.retired = true;
    if (c.users === 0) void c.session.then((s) => s.release()).catch(() => undefined);
  }

  /** Keras predict: batches of `batchSize` (default 32), inference mode (dropout off, moving statistics). */
  async predict(x: F32Tensor, options: { batchSize?: number } = {}): Promise<F32Tensor> {
    this.live();
    const n = this.checkInput(x, 'x');
    const ranges = batchRanges(n, options.batchSize ?? 32);
    const k = sizeOf(this.resolved.outputShape);
    const out = new Float32Array(n * k);
    this.busy++;
    const compiled = this.acquireInference();
    try {
      const session = await compiled.session;
      const feeds: Record<string, ortTypes.Tensor> = {};
      for (const [start, end] of ranges) {
        const rows = sliceRows(x, start, end);
        feeds[X] = f32Tensor(rows.data, rows.shape);
        const probs = f32Tensor(out.subarray(start * k, end * k), [end - start, k]);
        await session.run(feeds, { [PROBS]: probs });
      }
    } finally {
      this.releaseInference(compiled);
      this.done();
    }
    return { shape: [n, ...this.resolved.outputShape], data: out };
  }

  async fit(x: F32Tensor, y: F32Tensor, config: FitConfig, callbacks?: FitCallbacks): Promise<History> {
    this.live();
    const opt = resolveOptimizer(config.optimizer);
    if (!LOSSES.includes(config.loss)) throw new UnsupportedError(`engine: loss "${config.loss}" is not supported (${LOSSES.join(', ')})`);
    this.checkInput(x, 'x');
    const k = sizeOf(this.resolved.outputShape);
    const checkTargets = (t: F32Tensor, what: string) => {
      if (t.shape.length === 2 && t.shape[1] !== k) throw new ArgumentError(what, `expected (n, ${k}) targets, got ${shapeString(t.shape)}`);
    };
    checkTargets(y, 'y');
    if (config.validationData) {
      this.checkInput(config.validationData.x, 'validationData.x');
      // Checked before training, not found by the first validation after an epoch of updates.
      checkTargets(config.validationData.y, 'validationData.y');
    }
    // One step graph per loss: the optimizer runs after it, on its gradients, so every optimizer shares it.
    let compiled = this.steps.get(config.loss);
    if (!compiled) {
      compiled = compileStep(this.resolved, config.loss);
      this.steps.set(config.loss, compiled);
    }
    const trainer = new Trainer(await compiled, opt, config.loss, this.target, k);
    this.busy++;
    try {
      return await runKerasFit({
        x,
        y,
        config,
        ...(callbacks ? { callbacks } : {}),
        trainStep: (xb, yb, ctx) => {
          this.version++;
          return trainer.step(xb, yb, ctx);
        },
        predict: (xb) => this.predict(xb, { batchSize: xb.shape[0]! }),
      });
    } finally {
      trainer.close();
      this.done();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.busy === 0) this.release();
  }

  /** Sessions are released once nothing runs on them (a dispose during a predict or fit waits for it). */
  private release(): void {
    ledger.release(this.target.weights.length + 2 * this.target.debias.size);
    if (this.inference) this.retire(this.inference);
    const sessions = [...this.steps.values()].map((c) => c.then((v) => v.session));
    this.inference = undefined;
    this.steps.clear();
    for (const s of sessions) void s?.then((v) => v.release()).catch(() => undefined);
  }

  private done(): void {
    if (--this.busy === 0 && this.disposed) this.release();
  }
}
