import type * as ort from 'onnxruntime-node';
import { checkWeights, layerInfosOf, modelWeightSpecs, type ResolvedArchitecture } from '../../arch/resolve.js';
import type { Architecture } from '../../arch/types.js';
import { ArgumentError } from '../../errors.js';
import { exportOnnx, INPUT_NAME, OUTPUT_NAME } from '../../onnx/export.js';
import { batchRanges } from '../../preprocess/index.js';
import { shapeString, sizeOf, sliceRows, type F32Tensor } from '../../tensor.js';
import type { LayerInfo, Model, NamedWeight } from '../interface.js';

/**
 * The part of an onnxruntime package the model uses. onnxruntime-node and onnxruntime-web export the same
 * API (onnxruntime-common), so the one model class serves both: Node passes onnxruntime-node, a browser page
 * onnxruntime-web (src/browser/impls/onnxruntime-web.ts). Only types are imported here, so nothing of
 * onnxruntime-node reaches a browser bundle.
 */
export interface OrtRuntime {
  InferenceSession: { create(model: Uint8Array, options?: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => ort.Tensor;
}

/**
 * Inference on onnxruntime: the model lives as an architecture and Keras-layout weights; `predict`
 * exports them to ONNX (src/onnx/export.ts) and runs the graph. The session is built once per set of
 * weights, so a run of predictions pays for the export once.
 */
export class OrtModel implements Model {
  private weights: F32Tensor[];
  private session: Promise<ort.InferenceSession> | undefined;
  /** Sessions replaced by setWeights, released once no predict is still running on them. */
  private retired: Promise<ort.InferenceSession>[] = [];
  private running = 0;
  private disposed = false;

  constructor(
    private readonly arch: Architecture,
    private readonly resolved: ResolvedArchitecture,
    initial: F32Tensor[],
    private readonly runtime: OrtRuntime,
    private readonly sessionOptions: ort.InferenceSession.SessionOptions,
  ) {
    this.weights = initial;
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
    return modelWeightSpecs(this.resolved).map((spec, i) => ({
      layer: spec.layer,
      name: spec.name,
      tensor: { shape: [...spec.shape], data: this.weights[i]!.data.slice() },
    }));
  }

  async setWeights(weights: readonly F32Tensor[]): Promise<void> {
    this.live();
    checkWeights(this.resolved, weights);
    this.weights = weights.map((w) => ({ shape: [...w.shape], data: w.data.slice() }));
    this.retire();
  }

  private retire(): void {
    if (this.session) this.retired.push(this.session);
    this.session = undefined;
    if (this.running === 0) this.releaseRetired();
  }

  private releaseRetired(): void {
    for (const s of this.retired.splice(0)) void s.then((session) => session.release()).catch(() => undefined);
  }

  private sessionFor(): Promise<ort.InferenceSession> {
    this.session ??= this.runtime.InferenceSession.create(exportOnnx(this.arch, this.weights), this.sessionOptions);
    return this.session;
  }

  /** Keras predict: batches of `batchSize` (default 32) rows, inference mode (the export drops Dropout). */
  async predict(x: F32Tensor, options: { batchSize?: number } = {}): Promise<F32Tensor> {
    this.live();
    const want = this.resolved.inputShape;
    if (x.shape.length !== want.length + 1 || x.shape.slice(1).some((d, i) => d !== want[i])) {
      throw new ArgumentError('x', `expected shape (n, ${want.join(', ')}), got ${shapeString(x.shape)}`);
    }
    if (!(x.data instanceof Float32Array) || x.data.length !== sizeOf(x.shape)) {
      throw new ArgumentError('x', `expected a Float32Array of ${sizeOf(x.shape)} values for shape ${shapeString(x.shape)}`);
    }
    const n = x.shape[0]!;
    const ranges = batchRanges(n, options.batchSize ?? 32);
    const k = sizeOf(this.resolved.outputShape);
    const out = new Float32Array(n * k);
    this.running++;
    try {
      const session = await this.sessionFor();
      for (const [start, end] of ranges) {
        const rows = sliceRows(x, start, end);
        const result = await session.run({ [INPUT_NAME]: new this.runtime.Tensor('float32', rows.data, rows.shape) });
        const probs = result[OUTPUT_NAME]!;
        out.set(probs.data as Float32Array, start * k);
        probs.dispose();
      }
    } finally {
      if (--this.running === 0) this.releaseRetired();
    }
    return { shape: [n, ...this.resolved.outputShape], data: out };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.retire();
  }
}
