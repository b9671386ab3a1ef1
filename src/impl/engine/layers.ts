import type { ResolvedLayer } from '../../arch/resolve.js';
import type { ActivationName } from '../../arch/types.js';
import type { Graph, Value } from './graph.js';

/**
 * Forward and backward of every layer type, emitted as ONNX operators in Keras's channels-last layout,
 * so weights keep Keras's layout end to end (Dense kernel [in, out], Conv2D kernel [kh, kw, in, out]) and
 * Flatten is a plain reshape. A forward emission returns the layer's output and a `backward` that emits
 * the gradient of its input from the gradient of its output, recording the weights' gradients on the way.
 *
 * Convolution in training is im2col (one Gather of the input's pixel rows) times the kernel matrix; the
 * kernel's gradient is im2col transposed times the output gradient, kept from the forward pass. The input
 * gradient is onnxruntime's ConvTranspose for stride 1, and otherwise each window's share put back with
 * Pad and summed. Inference convolves with onnxruntime's own Conv (channels-first inside, transposed at
 * the edges). Max pooling takes the maximum of one strided Slice per window offset and sends each
 * output's gradient to its first maximum in row-major window order, as TensorFlow's MaxPoolGrad does.
 * Every choice between equivalent formulations here was measured (numbers beside each).
 */

export interface WeightValues {
  /** The graph value of a layer's weight (a graph input in both graphs). */
  get(name: string): Value;
  has(name: string): boolean;
}

export interface LayerEmitContext {
  g: Graph;
  /** 'train': batch statistics, dropout masks; 'infer': moving statistics, dropout off. */
  mode: 'train' | 'infer';
  weights: WeightValues;
  /** Training only: the graph input holding this dropout layer's 0/1 mask, [N, ...shape]. */
  dropoutMask?: () => Value;
  /** Training only: declare a batch-normalization layer's batch mean and (biased) variance as outputs. */
  batchStats?: (mean: Value, variance: Value, channels: number) => void;
}

/** Emits the input gradient (when asked) and records weight gradients through `grad(name, value)`. */
export type Backward = (dy: Value, needInputGrad: boolean, grad: (weight: string, value: Value) => void) => Value | undefined;

export interface Emitted {
  y: Value;
  backward: Backward;
}

const LOWEST = -3.4028234663852886e38;

function activation(g: Graph, x: Value, act: ActivationName): { y: Value; back: (dy: Value) => Value } {
  switch (act) {
    case 'linear':
      return { y: x, back: (dy) => dy };
    case 'relu': {
      const y = g.op('Relu', [x]);
      // TF's ReluGrad: the gradient passes where the output is > 0.
      return { y, back: (dy) => g.op('Where', [g.op('Greater', [y, g.scalar(0)]), dy, g.scalar(0)]) };
    }
    case 'sigmoid': {
      const y = g.op('Sigmoid', [x]);
      return { y, back: (dy) => g.op('Mul', [dy, g.op('Mul', [y, g.op('Sub', [g.scalar(1), y])])]) };
    }
    case 'tanh': {
      const y = g.op('Tanh', [x]);
      return { y, back: (dy) => g.op('Mul', [dy, g.op('Sub', [g.scalar(1), g.op('Mul', [y, y])])]) };
    }
    case 'softmax': {
      const y = g.op('Softmax', [x], { axis: -1 });
      return {
        y,
        back: (dy) => {
          const s = g.op('ReduceSum', [g.op('Mul', [dy, y]), g.ints([-1])], { keepdims: 1 });
          return g.op('Mul', [y, g.op('Sub', [dy, s])]);
        },
      };
    }
  }
}

/** Keras/TF 'same' padding for one axis: [before, after]; 'valid' pads nothing. */
function padsOf(padding: 'valid' | 'same' | undefined, size: number, out: number, k: number, s: number): [number, number] {
  if (padding !== 'same') return [0, 0];
  const total = Math.max((out - 1) * s + k - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

interface Windows {
  /** The (padded) input each window is cut from: [N, Hp, Wp, C]. */
  hp: number;
  wp: number;
  pads: [number, number, number, number];
  /** The padded input. */
  xp: Value;
  /** Kernel offsets: kh · kw. */
  count: number;
  /** One strided slice of xp per offset. */
  slices(): Value[];
  /** im2col: every window's values, offsets then channels, as [N·oh·ow, kh·kw·C]. */
  columns(channels: number): Value;
}

/** One strided slice of the input per kernel offset (i, j), row-major: each [N, oh, ow, C]. */
function windows(
  g: Graph,
  x: Value,
  input: number[],
  output: number[],
  k: [number, number],
  s: [number, number],
  padding: 'valid' | 'same' | undefined,
  padValue: number,
): Windows {
  const [h, w] = input as [number, number, number];
  const [oh, ow] = output as [number, number, number];
  const [pt, pb] = padsOf(padding, h, oh, k[0], s[0]);
  const [pl, pr] = padsOf(padding, w, ow, k[1], s[1]);
  let xp = x;
  if (pt + pb + pl + pr > 0) {
    xp = g.op('Pad', [x, g.ints([0, pt, pl, 0, 0, pb, pr, 0]), ...(padValue !== 0 ? [g.scalar(padValue)] : [])]);
  }
  const hp = h + pt + pb;
  const wp = w + pl + pr;
  const identity = k[0] === 1 && k[1] === 1 && s[0] === 1 && s[1] === 1 && oh === hp && ow === wp;
  const slices = (): Value[] => {
    if (identity) return [xp];
    const out: Value[] = [];
    for (let i = 0; i < k[0]; i++) {
      for (let j = 0; j < k[1]; j++) {
        out.push(g.op('Slice', [xp, g.ints([i, j]), g.ints([i + s[0] * (oh - 1) + 1, j + s[1] * (ow - 1) + 1]), g.ints([1, 2]), g.ints([s[0], s[1]])]));
      }
    }
    return out;
  };
  const columns = (c: number): Value => {
    if (identity) return g.op('Reshape', [xp, g.ints([-1, c])]);
    // One Gather of pixel rows (C contiguous floats each) in im2col order: measured twice as fast as
    // kh·kw strided Slices and a Concat for the seed-004 CNN's second convolution.
    const rows: number[] = [];
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        for (let i = 0; i < k[0]; i++) for (let j = 0; j < k[1]; j++) rows.push((y * s[0] + i) * wp + x * s[1] + j);
      }
    }
    const gathered = g.op('Gather', [g.op('Reshape', [xp, g.ints([-1, hp * wp, c])]), g.ints(rows)], { axis: 1 });
    return g.op('Reshape', [gathered, g.ints([-1, k[0] * k[1] * c])]);
  };
  return { hp, wp, pads: [pt, pb, pl, pr], xp, count: k[0] * k[1], slices, columns };
}

/** The inverse of one window slice: a [N, oh, ow, C] gradient put back at offset (i, j) of [N, Hp, Wp, C]. */
function place(g: Graph, d: Value, i: number, j: number, s: [number, number], oh: number, ow: number, hp: number, wp: number, c: number): Value {
  let t = d;
  let h = oh;
  let w = ow;
  if (s[0] > 1 || s[1] > 1) {
    // Interleave zeros: [N, oh, 1, ow, 1, C] padded to [N, oh, sh, ow, sw, C], read as [N, oh·sh, ow·sw, C].
    t = g.op('Reshape', [t, g.ints([-1, oh, 1, ow, 1, c])]);
    t = g.op('Pad', [t, g.ints([0, 0, 0, 0, 0, 0, 0, 0, s[0] - 1, 0, s[1] - 1, 0])]);
    h = oh * s[0];
    w = ow * s[1];
    t = g.op('Reshape', [t, g.ints([-1, h, w, c])]);
  }
  const hAfter = hp - i - h;
  const wAfter = wp - j - w;
  if (hAfter < 0 || wAfter < 0) {
    t = g.op('Slice', [t, g.ints([0, 0]), g.ints([h + Math.min(hAfter, 0), w + Math.min(wAfter, 0)]), g.ints([1, 2])]);
  }
  if (i > 0 || j > 0 || hAfter > 0 || wAfter > 0) {
    t = g.op('Pad', [t, g.ints([0, i, j, 0, 0, Math.max(hAfter, 0), Math.max(wAfter, 0), 0])]);
  }
  return t;
}

function sum(g: Graph, parts: Value[]): Value {
  return parts.length === 1 ? parts[0]! : g.op('Sum', parts);
}

/** Undo the 'same' padding of a window input's gradient. */
function unpad(g: Graph, d: Value, win: Windows, h: number, w: number): Value {
  const [pt, , pl] = win.pads;
  if (win.hp === h && win.wp === w) return d;
  return g.op('Slice', [d, g.ints([pt, pl]), g.ints([pt + h, pl + w]), g.ints([1, 2])]);
}

/**
 * Column sums of a [M, C] matrix as a [1, M] × [M, C] product: onnxruntime's reductions over a leading
 * axis with few channels run several times slower than its GEMM does the same sum (measured 0.55 ms vs
 * 0.10 ms for 43,264 × 32). `inv` is 1/M, for means, with M known only when the batch is.
 */
function columnReducer(g: Graph, x2: Value): { sum: (v: Value) => Value; inv: Value } {
  const rows = g.op('Shape', [x2], { start: 0, end: 1 });
  const ones = g.op('Expand', [g.scalar(1), g.op('Concat', [g.ints([1]), rows], { axis: 0 })]);
  const inv = g.op('Reciprocal', [g.op('Cast', [rows], { to: 1 })]);
  return { sum: (v) => g.op('MatMul', [ones, v]), inv };
}

export function emitLayer(ctx: LayerEmitContext, layer: ResolvedLayer, x: Value): Emitted {
  const { g } = ctx;
  const inShape = layer.inputShape;
  const outShape = layer.outputShape;
  switch (layer.type) {
    case 'Dense': {
      const inDim = inShape[inShape.length - 1]!;
      const flat = inShape.length > 1;
      const x2 = flat ? g.op('Reshape', [x, g.ints([-1, inDim])]) : x;
      const kernel = ctx.weights.get('kernel');
      const bias = ctx.weights.has('bias') ? ctx.weights.get('bias') : undefined;
      const z2 = bias ? g.op('Gemm', [x2, kernel, bias]) : g.op('MatMul', [x2, kernel]);
      const z = flat ? g.op('Reshape', [z2, g.ints([-1, ...outShape])]) : z2;
      const act = activation(g, z, layer.activation ?? 'linear');
      return {
        y: act.y,
        backward(dy, needInputGrad, grad) {
          const dz = act.back(dy);
          const dz2 = flat ? g.op('Reshape', [dz, g.ints([-1, layer.units])]) : dz;
          grad('kernel', g.op('Gemm', [x2, dz2], { transA: 1 }));
          if (bias) grad('bias', g.op('Reshape', [columnReducer(g, dz2).sum(dz2), g.ints([layer.units])]));
          if (!needInputGrad) return undefined;
          const dx2 = g.op('Gemm', [dz2, kernel], { transB: 1 });
          return flat ? g.op('Reshape', [dx2, g.ints([-1, ...inShape])]) : dx2;
        },
      };
    }
    case 'Activation': {
      const act = activation(g, x, layer.activation);
      return { y: act.y, backward: (dy) => act.back(dy) };
    }
    case 'Dropout': {
      if (ctx.mode === 'infer' || !(layer.rate > 0 && layer.rate < 1)) return { y: x, backward: (dy) => dy };
      // tf.nn.dropout: x / keep_prob * mask.
      const mask = ctx.dropoutMask!();
      const keep = g.scalar(1 - layer.rate);
      const y = g.op('Mul', [g.op('Div', [x, keep]), mask]);
      return { y, backward: (dy) => g.op('Mul', [g.op('Div', [dy, keep]), mask]) };
    }
    case 'Flatten':
    case 'Reshape': {
      const y = g.op('Reshape', [x, g.ints([-1, ...outShape])]);
      return { y, backward: (dy, need) => (need ? g.op('Reshape', [dy, g.ints([-1, ...inShape])]) : undefined) };
    }
    case 'Conv2D': {
      const [h, w, c] = inShape as [number, number, number];
      const [oh, ow, f] = outShape as [number, number, number];
      const k = layer.kernelSize;
      const s = layer.strides ?? [1, 1];
      const bias = ctx.weights.has('bias') ? ctx.weights.get('bias') : undefined;
      const [pt, pb] = padsOf(layer.padding, h, oh, k[0], s[0]);
      const [pl, pr] = padsOf(layer.padding, w, ow, k[1], s[1]);
      // Keras kernel [kh, kw, in, out] as ONNX's [out, in, kh, kw] (Conv) and [in, out, kh, kw] read the other way (ConvTranspose).
      const convAttrs = { kernel_shape: k, strides: s, pads: [pt, pl, pb, pr] };
      if (ctx.mode === 'infer') {
        // Inference needs no im2col: onnxruntime's own (NCHWc, direct) convolution, channels-first inside.
        const nchw = g.op('Transpose', [x], { perm: [0, 3, 1, 2] });
        const weight = g.op('Transpose', [ctx.weights.get('kernel')], { perm: [3, 2, 0, 1] });
        const z = g.op('Conv', bias ? [nchw, weight, bias] : [nchw, weight], convAttrs);
        const act = activation(g, g.op('Transpose', [z], { perm: [0, 2, 3, 1] }), layer.activation ?? 'linear');
        return { y: act.y, backward: () => undefined };
      }
      const win = windows(g, x, inShape, outShape, k, s, layer.padding, 0);
      const patch = k[0] * k[1] * c;
      const cols2 = win.columns(c);
      const kmat = g.op('Reshape', [ctx.weights.get('kernel'), g.ints([patch, f])]);
      const z2 = bias ? g.op('Gemm', [cols2, kmat, bias]) : g.op('MatMul', [cols2, kmat]);
      const act = activation(g, g.op('Reshape', [z2, g.ints([-1, oh, ow, f])]), layer.activation ?? 'linear');
      return {
        y: act.y,
        backward(dy, needInputGrad, grad) {
          const dz4 = act.back(dy);
          const dz = g.op('Reshape', [dz4, g.ints([-1, f])]);
          grad('kernel', g.op('Reshape', [g.op('Gemm', [cols2, dz], { transA: 1 }), g.ints([k[0], k[1], c, f])]));
          if (bias) grad('bias', g.op('Reshape', [columnReducer(g, dz).sum(dz), g.ints([f])]));
          if (!needInputGrad) return undefined;
          if (s[0] === 1 && s[1] === 1) {
            // The input gradient is the transposed convolution of the output gradient (measured 5–7 ms
            // against 13–15 ms for the windowed col2im below, for the seed-004 CNN's second convolution).
            const dzNchw = g.op('Transpose', [dz4], { perm: [0, 3, 1, 2] });
            const weight = g.op('Transpose', [ctx.weights.get('kernel')], { perm: [3, 2, 0, 1] });
            return g.op('Transpose', [g.op('ConvTranspose', [dzNchw, weight], convAttrs)], { perm: [0, 2, 3, 1] });
          }
          const dcols = g.op('Reshape', [g.op('Gemm', [dz, kmat], { transB: 1 }), g.ints([-1, oh, ow, patch])]);
          const parts = win.count === 1 ? [dcols] : g.opN('Split', [dcols, g.ints(Array.from({ length: win.count }, () => c))], win.count, { axis: 3 });
          const placed = parts.map((d, idx) => place(g, d, Math.floor(idx / k[1]), idx % k[1], s, oh, ow, win.hp, win.wp, c));
          return unpad(g, sum(g, placed), win, h, w);
        },
      };
    }
    case 'MaxPooling2D': {
      const [h, w, c] = inShape as [number, number, number];
      const [oh, ow] = outShape as [number, number, number];
      const k = layer.poolSize;
      const s = layer.strides ?? layer.poolSize;
      const win = windows(g, x, inShape, outShape, k, s, layer.padding, LOWEST);
      const slices = win.slices();
      const y = slices.length === 1 ? g.op('Identity', [slices[0]!]) : g.op('Max', slices);
      return {
        y,
        backward(dy, needInputGrad) {
          if (!needInputGrad) return undefined;
          // Each output's gradient goes to the first window position holding the maximum.
          let taken: Value | undefined;
          const placed = slices.map((sl, idx) => {
            const eq = g.op('Equal', [sl, y]);
            const first = taken ? g.op('And', [eq, g.op('Not', [taken])]) : eq;
            taken = taken ? g.op('Or', [taken, eq]) : eq;
            const d = g.op('Where', [first, dy, g.scalar(0)]);
            return place(g, d, Math.floor(idx / k[1]), idx % k[1], s, oh, ow, win.hp, win.wp, c);
          });
          return unpad(g, sum(g, placed), win, h, w);
        },
      };
    }
    case 'BatchNormalization': {
      const channels = inShape[inShape.length - 1]!;
      const eps = g.scalar(layer.epsilon ?? 1e-3);
      const gamma = ctx.weights.get('gamma');
      const beta = ctx.weights.get('beta');
      if (ctx.mode === 'infer') {
        // tf.nn.batch_normalization: x · (gamma / sqrt(var + eps)) + (beta - mean · gamma / sqrt(var + eps)).
        const inv = g.op('Div', [gamma, g.op('Sqrt', [g.op('Add', [ctx.weights.get('moving_variance'), eps])])]);
        const shift = g.op('Sub', [beta, g.op('Mul', [ctx.weights.get('moving_mean'), inv])]);
        return { y: g.op('Add', [g.op('Mul', [x, inv]), shift]), backward: () => undefined };
      }
      // Statistics over every axis but the channels: the input read as [M, C].
      const flat = (v: Value): Value => g.op('Reshape', [v, g.ints([-1, channels])]);
      const cols = columnReducer(g, flat(x));
      const meanOf = (v: Value): Value => g.op('Mul', [cols.sum(flat(v)), cols.inv]);
      const sumOf = (v: Value): Value => g.op('Reshape', [cols.sum(flat(v)), g.ints([channels])]);
      const mean = meanOf(x);
      const xc = g.op('Sub', [x, mean]);
      const variance = meanOf(g.op('Mul', [xc, xc]));
      const inv = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, eps])])]);
      const xh = g.op('Mul', [xc, inv]);
      const y = g.op('Add', [g.op('Mul', [xh, gamma]), beta]);
      ctx.batchStats?.(mean, variance, channels);
      return {
        y,
        backward(dy, needInputGrad, grad) {
          grad('gamma', sumOf(g.op('Mul', [dy, xh])));
          grad('beta', sumOf(dy));
          if (!needInputGrad) return undefined;
          // dx = inv · (dxh − mean(dxh) − xh · mean(dxh · xh)), with dxh = dy · gamma.
          const dxh = g.op('Mul', [dy, gamma]);
          const m1 = meanOf(dxh);
          const m2 = meanOf(g.op('Mul', [dxh, xh]));
          return g.op('Mul', [g.op('Sub', [g.op('Sub', [dxh, m1]), g.op('Mul', [xh, m2])]), inv]);
        },
      };
    }
  }
}
