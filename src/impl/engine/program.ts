import { modelWeightSpecs, type ResolvedArchitecture, type WeightSpec } from '../../arch/resolve.js';
import { sizeOf } from '../../tensor.js';
import type { LossName } from '../../train/config.js';
import { KERAS_EPSILON } from '../../train/metrics.js';
import { Graph, type Value } from './graph.js';
import { emitLayer, type Backward, type Layout } from './layers.js';

/**
 * The two graphs the engine runs: inference (probabilities from x) and one training step (forward in
 * training mode, Keras's loss and accuracy, backward to every trainable parameter's gradient), both with
 * the weights as graph inputs so the same session serves every step; the optimizer's update runs after the
 * step, on the gradients (update.ts). Names are fixed here and nowhere else.
 */
export const BATCH = 'N';
export const X = 'x';
export const Y = 'y';
export const PROBS = 'probs';
/** −1/n for cross-entropy, 2/(k·n) for MSE: the loss's derivative scale for a batch of n. */
export const GRAD_SCALE = 'grad_scale';
export const LOSS = 'loss';
export const ACC = 'acc';
export const weightInput = (j: number): string => `w${j}`;

export type EngineWeightSpec = WeightSpec & { layer: string; index: number };

export function engineWeightSpecs(resolved: ResolvedArchitecture): EngineWeightSpec[] {
  return modelWeightSpecs(resolved).map((w, index) => ({ ...w, index }));
}

function weightsOfLayer(specs: EngineWeightSpec[], layer: string, mode: 'train' | 'infer') {
  const mine = new Map(specs.filter((w) => w.layer === layer).map((w) => [w.name, w]));
  return {
    has: (name: string) => mine.has(name),
    get(name: string): Value {
      const w = mine.get(name);
      if (!w) throw new Error(`engine: layer ${layer} has no weight ${name}`);
      if (mode === 'train' && !w.trainable) throw new Error(`engine: the training graph reads no moving statistics (${layer}/${name})`);
      return weightInput(w.index);
    },
  };
}

/**
 * The inference graph: x in, probabilities out. With `frozen` weights they are constants of the graph, so
 * onnxruntime folds batch normalization into the convolution before it, fuses the activations and prepacks
 * the GEMM operands once (measured: the seed-001 MLP predicts 1.4× as fast); without, they are inputs.
 */
export function buildInferenceGraph(resolved: ResolvedArchitecture, frozen?: readonly Float32Array[]): Uint8Array {
  const g = new Graph('engine_inference');
  const specs = engineWeightSpecs(resolved);
  let h = g.input(X, [BATCH, ...resolved.inputShape]);
  let layout: Layout = 'last';
  for (const w of specs) {
    if (frozen) g.tensor(weightInput(w.index), w.shape, frozen[w.index]!);
    else g.input(weightInput(w.index), w.shape);
  }
  for (const layer of resolved.layers) {
    g.scope = `${layer.name}/`;
    ({ y: h, layout } = emitLayer({ g, mode: 'infer', weights: weightsOfLayer(specs, layer.name, 'infer') }, layer, h, layout));
  }
  g.scope = '';
  // A model ending on a channels-first value answers channels-last, as Keras does.
  g.op(layout === 'first' ? 'Transpose' : 'Identity', [h], layout === 'first' ? { perm: [0, 2, 3, 1] } : {}, PROBS);
  g.output(PROBS, [BATCH, ...resolved.outputShape]);
  return g.encode();
}

export interface DropoutInput {
  name: string;
  rate: number;
  /** Units per sample: the mask is [n, ...shape]. */
  shape: number[];
}

export interface BatchStatsOutput {
  layer: string;
  mean: string;
  variance: string;
  channels: number;
  /** Values averaged per channel for one sample (H·W for images, 1 for vectors). */
  perSample: number;
  /** Rank of the layer's input including the batch axis. */
  rank: number;
  momentum: number;
  epsilon: number;
  movingMean: number;
  movingVariance: number;
}

export interface TrainingProgram {
  bytes: Uint8Array;
  trainable: EngineWeightSpec[];
  /** The graph output holding each trainable weight's gradient, in `trainable`'s order. */
  grads: string[];
  dropout: DropoutInput[];
  batchStats: BatchStatsOutput[];
  nodes: number;
}

export function buildTrainingGraph(resolved: ResolvedArchitecture, loss: LossName): TrainingProgram {
  const g = new Graph('engine_train_step');
  const specs = engineWeightSpecs(resolved);
  const trainable = specs.filter((w) => w.trainable);
  const k = sizeOf(resolved.outputShape);
  if (resolved.outputShape.length !== 1) throw new Error(`engine: the model output must be a vector per sample, got (${resolved.outputShape.join(', ')})`);

  const x = g.input(X, [BATCH, ...resolved.inputShape]);
  const y = g.input(Y, [BATCH, k]);
  const gradScale = g.input(GRAD_SCALE, []);
  for (const w of trainable) {
    g.input(weightInput(w.index), w.shape);
  }

  const dropout: DropoutInput[] = [];
  const batchStats: BatchStatsOutput[] = [];
  const backwards: { layer: string; backward: Backward }[] = [];
  let h = x;
  let layout: Layout = 'last';
  for (const layer of resolved.layers) {
    g.scope = `${layer.name}/forward/`;
    const emitted = emitLayer(
      {
        g,
        mode: 'train',
        weights: weightsOfLayer(specs, layer.name, 'train'),
        dropoutMask: () => {
          const name = `mask_${layer.name}`;
          dropout.push({ name, rate: (layer as { rate: number }).rate, shape: layer.outputShape });
          return g.input(name, [BATCH, ...layer.outputShape]);
        },
        batchStats: (mean, variance, channels) => {
          const out = { mean: `${layer.name}_batch_mean`, variance: `${layer.name}_batch_variance` };
          g.op('Reshape', [mean, g.ints([channels])], {}, out.mean);
          g.op('Reshape', [variance, g.ints([channels])], {}, out.variance);
          g.output(out.mean, [channels]);
          g.output(out.variance, [channels]);
          const bn = layer as { momentum?: number; epsilon?: number };
          const own = specs.filter((w) => w.layer === layer.name);
          batchStats.push({
            layer: layer.name,
            ...out,
            channels,
            perSample: sizeOf(layer.inputShape) / channels,
            rank: layer.inputShape.length + 1,
            momentum: bn.momentum ?? 0.99,
            epsilon: bn.epsilon ?? 1e-3,
            movingMean: own.find((w) => w.name === 'moving_mean')!.index,
            movingVariance: own.find((w) => w.name === 'moving_variance')!.index,
          });
        },
      },
      layer,
      h,
      layout,
    );
    backwards.push({ layer: layer.name, backward: emitted.backward });
    h = emitted.y;
    layout = emitted.layout;
  }
  const p = h;
  g.scope = 'loss/';

  // Loss, its per-batch mean and Keras's categorical accuracy, all on the training-mode output.
  let dp: Value;
  if (loss === 'categorical_crossentropy') {
    // Keras 2 (TF): p / Σp, clipped to [ε, 1 − ε], −Σ y·log; the clip passes no gradient outside the range.
    const lo = g.scalar(KERAS_EPSILON);
    const hi = g.scalar(1 - KERAS_EPSILON);
    const s = g.op('ReduceSum', [p, g.ints([-1])], { keepdims: 1 });
    const q = g.op('Div', [p, s]);
    const qc = g.op('Clip', [q, lo, hi]);
    const rows = g.op('ReduceSum', [g.op('Mul', [y, g.op('Log', [qc])]), g.ints([-1])], { keepdims: 0 });
    g.op('Neg', [g.op('ReduceMean', [rows, g.ints([0])], { keepdims: 0 })], {}, LOSS);
    const inside = g.op('And', [g.op('GreaterOrEqual', [q, lo]), g.op('LessOrEqual', [q, hi])]);
    // d/dq of −mean(Σ y·log q) is −y / (n·q): grad_scale = −1/n.
    const dq = g.op('Where', [inside, g.op('Mul', [g.op('Div', [y, qc]), gradScale]), g.scalar(0)]);
    // q = p / Σp: dp_i = (dq_i − Σ_j dq_j·q_j) / Σp.
    const dqq = g.op('ReduceSum', [g.op('Mul', [dq, q]), g.ints([-1])], { keepdims: 1 });
    dp = g.op('Div', [g.op('Sub', [dq, dqq]), s]);
  } else {
    const diff = g.op('Sub', [p, y]);
    const rows = g.op('ReduceMean', [g.op('Mul', [diff, diff]), g.ints([-1])], { keepdims: 0 });
    g.op('ReduceMean', [rows, g.ints([0])], { keepdims: 0 }, LOSS);
    // grad_scale = 2/(k·n).
    dp = g.op('Mul', [diff, gradScale]);
  }
  g.output(LOSS, []);
  const hits = g.op('Cast', [g.op('Equal', [g.op('ArgMax', [p], { axis: -1, keepdims: 0 }), g.op('ArgMax', [y], { axis: -1, keepdims: 0 })])], { to: 1 });
  g.op('ReduceMean', [hits, g.ints([0])], { keepdims: 0 }, ACC);
  g.output(ACC, []);

  // Backward, last layer first. A layer needs its input's gradient only if a trainable layer precedes it.
  const firstTrainable = resolved.layers.findIndex((l) => trainable.some((w) => w.layer === l.name));
  const grads = new Map<number, Value>();
  let dy: Value | undefined = dp;
  for (let i = resolved.layers.length - 1; i >= 0 && dy !== undefined; i--) {
    const { layer, backward } = backwards[i]!;
    const own = specs.filter((w) => w.layer === layer);
    g.scope = `${layer}/backward/`;
    dy = backward(dy, i > firstTrainable, (name, value) => {
      const w = own.find((s) => s.name === name)!;
      grads.set(w.index, value);
    });
  }

  const gradOutputs = trainable.map((w) => {
    const grad = grads.get(w.index);
    if (!grad) throw new Error(`engine: no gradient reached ${w.layer}/${w.name}`);
    g.output(grad, w.shape);
    return grad;
  });
  return { bytes: g.encode(), trainable, grads: gradOutputs, dropout, batchStats, nodes: g.size };
}
