import * as tf from '@tensorflow/tfjs';
import { checkWeights, type ResolvedArchitecture } from '../../arch/resolve.js';
import { ArgumentError, UnsupportedError } from '../../errors.js';
import { batchRanges } from '../../preprocess/index.js';
import { shapeString, sizeOf, sliceRows, type F32Tensor } from '../../tensor.js';
import { resolveOptimizer, type FitCallbacks, type FitConfig, type History } from '../../train/config.js';
import { runKerasFit } from '../../train/loop.js';
import type { LayerInfo, Model, NamedWeight } from '../interface.js';
import { TfjsNet } from './net.js';
import { TfjsTrainer } from './train.js';
import { CONV2D_FILTER_GRAD } from './wasm-kernels.js';

const OPTIMIZERS = ['sgd', 'rmsprop', 'adam'] as const;
const LOSSES = ['categorical_crossentropy', 'mean_squared_error'] as const;
export const TRAIN_CAPABILITY = { optimizers: OPTIMIZERS, losses: LOSSES };

export class TfjsModel implements Model {
  private readonly net: TfjsNet;
  private disposed = false;

  constructor(
    model: tf.LayersModel,
    private readonly resolved: ResolvedArchitecture,
  ) {
    this.net = new TfjsNet(model, resolved);
  }

  private live(): TfjsNet {
    if (this.disposed) throw new ArgumentError('model', 'has been disposed');
    return this.net;
  }

  /** Read from the tf.layers model itself (class names, shapes, counts), not from the architecture. */
  layers(): LayerInfo[] {
    return this.live()
      .model.layers.filter((l) => l.getClassName() !== 'InputLayer')
      .map((l) => ({
        name: l.name,
        type: l.getClassName(),
        outputShape: [...(l.outputShape as (number | null)[])],
        params: l.countParams(),
        trainableParams: l.trainableWeights.reduce((s, w) => s + sizeOf(w.shape as number[]), 0),
      }));
  }

  async getWeights(): Promise<NamedWeight[]> {
    const out: NamedWeight[] = [];
    for (const w of this.live().weights) {
      const data = (await w.variable.data()) as Float32Array;
      out.push({ layer: w.layer, name: w.name, tensor: { shape: [...w.variable.shape], data: Float32Array.from(data) } });
    }
    return out;
  }

  async setWeights(weights: readonly F32Tensor[]): Promise<void> {
    const own = this.live().weights;
    checkWeights(this.resolved, weights);
    // Checked all before writing any, so a bad list leaves the model as it was.
    tf.tidy(() => own.forEach((w, i) => w.variable.assign(tf.tensor(weights[i]!.data, [...w.variable.shape], 'float32'))));
  }

  private checkInput(x: F32Tensor, what: string): number {
    const want = this.resolved.inputShape;
    const got = x.shape.slice(1);
    if (x.shape.length !== want.length + 1 || got.some((d, i) => d !== want[i])) {
      throw new ArgumentError(what, `expected shape (n, ${want.join(', ')}), got ${shapeString(x.shape)}`);
    }
    if (x.data.length !== sizeOf(x.shape)) throw new ArgumentError(what, `data length ${x.data.length} does not match shape ${shapeString(x.shape)}`);
    return x.shape[0]!;
  }

  private checkTargets(y: F32Tensor, what: string): void {
    const k = sizeOf(this.resolved.outputShape);
    if (y.shape.length !== 2 || y.shape[1] !== k) throw new ArgumentError(what, `expected shape (n, ${k}), got ${shapeString(y.shape)}`);
  }

  /** tf.layers inference (dropout off, batch norm on moving statistics), one forward pass per batch, as Keras's predict_loop. */
  async predict(x: F32Tensor, options: { batchSize?: number } = {}): Promise<F32Tensor> {
    const net = this.live();
    const batchSize = options.batchSize ?? 32;
    const n = this.checkInput(x, 'x');
    const k = sizeOf(this.resolved.outputShape);
    const out = new Float32Array(n * k);
    for (const [start, end] of batchRanges(n, batchSize)) {
      const rows = sliceRows(x, start, end);
      const p = tf.tidy(() => net.model.predictOnBatch(tf.tensor(rows.data, [...rows.shape], 'float32')) as tf.Tensor);
      out.set((await p.data()) as Float32Array, start * k);
      p.dispose();
    }
    return { shape: [n, ...this.resolved.outputShape], data: out };
  }

  async fit(x: F32Tensor, y: F32Tensor, config: FitConfig, callbacks?: FitCallbacks): Promise<History> {
    const net = this.live();
    const optimizer = resolveOptimizer(config.optimizer);
    if (!(OPTIMIZERS as readonly string[]).includes(optimizer.type)) throw new UnsupportedError(`tfjs: optimizer ${optimizer.type} is not implemented`);
    if (!(LOSSES as readonly string[]).includes(config.loss)) throw new UnsupportedError(`tfjs: loss ${config.loss} is not implemented`);
    const backend = tf.getBackend();
    const conv = this.resolved.layers.find((l) => l.type === 'Conv2D');
    if (conv && !tf.getKernel(CONV2D_FILTER_GRAD, backend)) {
      throw new UnsupportedError(`tfjs: cannot train ${conv.name} (Conv2D) on the ${backend} backend: it has no ${CONV2D_FILTER_GRAD} kernel`);
    }
    this.checkInput(x, 'x');
    this.checkTargets(y, 'y');
    if (config.validationData) {
      this.checkInput(config.validationData.x, 'validationData.x');
      this.checkTargets(config.validationData.y, 'validationData.y');
    }
    const trainer = new TfjsTrainer(net, optimizer, config.loss);
    try {
      return await runKerasFit({
        x,
        y,
        config,
        ...(callbacks ? { callbacks } : {}),
        trainStep: async (xb, yb, ctx) => trainer.step(xb, yb, ctx),
        predict: (xb) => this.predict(xb, { batchSize: xb.shape[0]! }),
      });
    } finally {
      trainer.dispose();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.net.dispose();
  }
}
