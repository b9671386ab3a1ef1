import type { ResolvedLayer } from '../../arch/resolve.js';
import type { ActivationName } from '../../arch/types.js';
import type { Graph, Value } from './graph.js';

/**
 * Forward and backward of every layer type, emitted as ONNX operators. Weights keep Keras's layout end to
 * end (Dense kernel [in, out], Conv2D kernel [kh, kw, in, out]); activations travel in one of two layouts:
 * Keras's channels-last ('last'), or channels-first ('first', NCHW) from a convolution on, because
 * onnxruntime's Conv, ConvTranspose and per-channel arithmetic are fastest there. Flatten, Reshape and
 * Dense see channels-last data, so Keras's flatten order holds; a layer converts its input when it needs
 * the other layout, and its backward converts the gradient back.
 *
 * Convolution in training: onnxruntime's Conv forward (NCHWc kernels), ConvTranspose for the input
 * gradient, and the kernel gradient as one GEMM of the output gradient with the input's windows laid out
 * channel-major ([C·kh·kw, N·oh·ow], strided Slices of the channels-first input). Batch normalization
 * keeps the centred input and needs four arithmetic passes forward and five backward. Max pooling takes the
 * maximum of one strided Slice per window offset and sends each output's gradient to its first maximum in
 * row-major window order, as TensorFlow's MaxPoolGrad does. The choices between equivalent formulations
 * were measured (bench/README.md keeps the profile and the numbers).
 */

export type Layout = 'last' | 'first';

export interface WeightValues {
  /** The graph value of a layer's weight (a graph input, or a constant in a frozen inference graph). */
  get(name: string): Value;
  has(name: string): boolean;
}

export interface LayerEmitContext {
  g: Graph;
  /** 'train': batch statistics, dropout masks; 'infer': moving statistics, dropout off. */
  mode: 'train' | 'infer';
  weights: WeightValues;
  /** Training only: the graph input holding this dropout layer's 0/1 mask, [N, ...shape], channels-last. */
  dropoutMask?: () => Value;
  /** Training only: declare a batch-normalization layer's batch mean and (biased) variance as outputs. */
  batchStats?: (mean: Value, variance: Value, channels: number) => void;
}

/** Emits the input gradient (when asked) and records weight gradients through `grad(name, value)`. */
export type Backward = (dy: Value, needInputGrad: boolean, grad: (weight: string, value: Value) => void) => Value | undefined;

export interface Emitted {
  y: Value;
  /** The layout of `y`; `backward` takes dy in this layout and returns dx in the input's. */
  layout: Layout;
  backward: Backward;
}

const LOWEST = -3.4028234663852886e38;

/** Channels-last [N, H, W, C] ↔ channels-first [N, C, H, W]; a reshape when C or H·W is 1. */
function toFirst(g: Graph, x: Value, [h, w, c]: readonly number[]): Value {
  if (c === 1 || h! * w! === 1) return g.op('Reshape', [x, g.ints([-1, c!, h!, w!])]);
  return g.op('Transpose', [x], { perm: [0, 3, 1, 2] });
}
function toLast(g: Graph, x: Value, [h, w, c]: readonly number[]): Value {
  if (c === 1 || h! * w! === 1) return g.op('Reshape', [x, g.ints([-1, h!, w!, c!])]);
  return g.op('Transpose', [x], { perm: [0, 2, 3, 1] });
}

function activation(g: Graph, x: Value, act: ActivationName, layout: Layout): { y: Value; back: (dy: Value) => Value } {
  switch (act) {
    case 'linear':
      return { y: x, back: (dy) => dy };
    case 'relu': {
      const y = g.op('Relu', [x]);
      // TF's ReluGrad, gradients · (features > 0) (measured twice as fast as a Where in onnxruntime).
      return { y, back: (dy) => g.op('Mul', [dy, g.op('Cast', [g.op('Greater', [y, g.scalar(0)])], { to: 1 })]) };
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
      // Keras's softmax is over the last axis: the channels, axis 1 in the channels-first layout.
      const axis = layout === 'first' ? 1 : -1;
      const y = g.op('Softmax', [x], { axis });
      return {
        y,
        back: (dy) => {
          const s = g.op('ReduceSum', [g.op('Mul', [dy, y]), g.ints([axis])], { keepdims: 1 });
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

/** Pad the two spatial axes (2, 3) of a rank-4 value: [top, bottom, left, right]. */
function padSpatial(g: Graph, x: Value, [pt, pb, pl, pr]: readonly number[], value = 0): Value {
  if (pt! + pb! + pl! + pr! === 0) return x;
  return g.op('Pad', [x, g.ints([0, 0, pt!, pl!, 0, 0, pb!, pr!]), ...(value !== 0 ? [g.scalar(value)] : [])]);
}

/** The window at kernel offset (i, j) of a rank-4 value's spatial axes (2, 3): every output's element, [.., .., oh, ow]. */
function windowSlice(g: Graph, x: Value, i: number, j: number, s: [number, number], oh: number, ow: number): Value {
  const steps = s[0] > 1 || s[1] > 1 ? [g.ints([s[0], s[1]])] : [];
  return g.op('Slice', [x, g.ints([i, j]), g.ints([i + s[0] * (oh - 1) + 1, j + s[1] * (ow - 1) + 1]), g.ints([2, 3]), ...steps]);
}

/** The inverse of windowSlice: a [N, C, oh, ow] gradient put back at offset (i, j) of [N, C, Hp, Wp] (zeros elsewhere). */
function place(g: Graph, d: Value, i: number, j: number, s: [number, number], oh: number, ow: number, hp: number, wp: number, c: number): Value {
  let t = d;
  let h = oh;
  let w = ow;
  if (s[0] > 1 || s[1] > 1) {
    // Interleave zeros: [N, C, oh, 1, ow, 1] padded to [N, C, oh, sh, ow, sw], read as [N, C, oh·sh, ow·sw].
    t = g.op('Reshape', [t, g.ints([-1, c, oh, 1, ow, 1])]);
    t = g.op('Pad', [t, g.ints([0, 0, 0, 0, 0, 0, 0, 0, 0, s[0] - 1, 0, s[1] - 1])]);
    h = oh * s[0];
    w = ow * s[1];
    t = g.op('Reshape', [t, g.ints([-1, c, h, w])]);
  }
  const hAfter = hp - i - h;
  const wAfter = wp - j - w;
  if (hAfter < 0 || wAfter < 0) {
    t = g.op('Slice', [t, g.ints([0, 0]), g.ints([h + Math.min(hAfter, 0), w + Math.min(wAfter, 0)]), g.ints([2, 3])]);
  }
  return padSpatial(g, t, [i, Math.max(hAfter, 0), j, Math.max(wAfter, 0)]);
}

/** Undo a spatial padding of [N, C, Hp, Wp]: the [N, C, h, w] inside. */
function unpad(g: Graph, d: Value, [pt, pb, pl, pr]: readonly number[], h: number, w: number): Value {
  if (pt! + pb! + pl! + pr! === 0) return d;
  return g.op('Slice', [d, g.ints([pt!, pl!]), g.ints([pt! + h, pl! + w]), g.ints([2, 3])]);
}

/**
 * Per-channel sums, kept broadcastable against the input: [1, C] for [M, C] (as a [1, M] × [M, C] product:
 * onnxruntime's reduction over a leading axis with few channels runs several times slower than its GEMM
 * does the same sum), [1, C, 1, 1] for channels-first [N, C, H, W] (rows of H·W, then the batch).
 * `inv` is 1/M, M the values per channel, known only when the batch is.
 */
function channelReducer(g: Graph, x: Value, layout: Layout, perSample: number): { sum: (v: Value) => Value; inv: Value } {
  const rows = g.op('Shape', [x], { start: 0, end: 1 });
  const count = g.op('Cast', [rows], { to: 1 });
  if (layout === 'first') {
    const inv = g.op('Reciprocal', [g.op('Mul', [count, g.scalar(perSample)])]);
    return { sum: (v) => g.op('ReduceSum', [g.op('ReduceSum', [v, g.ints([2, 3])], { keepdims: 1 }), g.ints([0])], { keepdims: 1 }), inv };
  }
  const ones = g.op('Expand', [g.scalar(1), g.op('Concat', [g.ints([1]), rows], { axis: 0 })]);
  return { sum: (v) => g.op('MatMul', [ones, v]), inv: g.op('Reciprocal', [count]) };
}

export function emitLayer(ctx: LayerEmitContext, layer: ResolvedLayer, x: Value, layout: Layout): Emitted {
  const { g } = ctx;
  const inShape = layer.inputShape;
  const outShape = layer.outputShape;
  /** Run a layer that needs channels-last input: convert x, and convert its input gradient back. */
  const needsLast = (body: (xl: Value) => { y: Value; backward: Backward }): Emitted => {
    if (layout === 'last') return { ...body(x), layout: 'last' };
    const inner = body(toLast(g, x, inShape));
    return {
      y: inner.y,
      layout: 'last',
      backward: (dy, need, grad) => {
        const d = inner.backward(dy, need, grad);
        return d === undefined ? undefined : toFirst(g, d, inShape);
      },
    };
  };
  /** Run a channels-first layer (rank-4 input): convert x when it arrives channels-last. */
  const needsFirst = (body: (xf: Value) => { y: Value; backward: Backward }): Emitted => {
    if (layout === 'first') return { ...body(x), layout: 'first' };
    const inner = body(toFirst(g, x, inShape));
    return {
      y: inner.y,
      layout: 'first',
      backward: (dy, need, grad) => {
        const d = inner.backward(dy, need, grad);
        return d === undefined ? undefined : toLast(g, d, inShape);
      },
    };
  };
  switch (layer.type) {
    case 'Dense':
      return needsLast((xl) => {
        const inDim = inShape[inShape.length - 1]!;
        const flat = inShape.length > 1;
        const x2 = flat ? g.op('Reshape', [xl, g.ints([-1, inDim])]) : xl;
        const kernel = ctx.weights.get('kernel');
        const bias = ctx.weights.has('bias') ? ctx.weights.get('bias') : undefined;
        const z2 = bias ? g.op('Gemm', [x2, kernel, bias]) : g.op('MatMul', [x2, kernel]);
        const z = flat ? g.op('Reshape', [z2, g.ints([-1, ...outShape])]) : z2;
        const act = activation(g, z, layer.activation ?? 'linear', 'last');
        return {
          y: act.y,
          backward(dy, needInputGrad, grad) {
            const dz = act.back(dy);
            const dz2 = flat ? g.op('Reshape', [dz, g.ints([-1, layer.units])]) : dz;
            grad('kernel', g.op('Gemm', [x2, dz2], { transA: 1 }));
            if (bias) grad('bias', g.op('Reshape', [channelReducer(g, dz2, 'last', 1).sum(dz2), g.ints([layer.units])]));
            if (!needInputGrad) return undefined;
            const dx2 = g.op('Gemm', [dz2, kernel], { transB: 1 });
            return flat ? g.op('Reshape', [dx2, g.ints([-1, ...inShape])]) : dx2;
          },
        };
      });
    case 'Activation': {
      const act = activation(g, x, layer.activation, layout);
      return { y: act.y, layout, backward: (dy) => act.back(dy) };
    }
    case 'Dropout': {
      if (ctx.mode === 'infer' || !(layer.rate > 0 && layer.rate < 1)) return { y: x, layout, backward: (dy) => dy };
      // tf.nn.dropout: x / keep_prob * mask. The mask comes channels-last, in the order the stream draws it.
      let mask = ctx.dropoutMask!();
      if (layout === 'first') mask = toFirst(g, mask, inShape);
      const keep = g.scalar(1 - layer.rate);
      const y = g.op('Mul', [g.op('Div', [x, keep]), mask]);
      return { y, layout, backward: (dy) => g.op('Mul', [g.op('Div', [dy, keep]), mask]) };
    }
    case 'Flatten':
    case 'Reshape':
      return needsLast((xl) => ({
        y: g.op('Reshape', [xl, g.ints([-1, ...outShape])]),
        backward: (dy, need) => (need ? g.op('Reshape', [dy, g.ints([-1, ...inShape])]) : undefined),
      }));
    case 'Conv2D':
      return needsFirst((xf) => {
        const [h, w, c] = inShape as [number, number, number];
        const [oh, ow, f] = outShape as [number, number, number];
        const k = layer.kernelSize;
        const s = layer.strides ?? [1, 1];
        const bias = ctx.weights.has('bias') ? ctx.weights.get('bias') : undefined;
        const [pt, pb] = padsOf(layer.padding, h, oh, k[0], s[0]);
        const [pl, pr] = padsOf(layer.padding, w, ow, k[1], s[1]);
        const convAttrs = { kernel_shape: k, strides: s, pads: [pt, pl, pb, pr] };
        // Keras kernel [kh, kw, in, out] as ONNX's [out, in, kh, kw]; ConvTranspose reads the same tensor as [in', out', kh, kw].
        const weight = g.op('Transpose', [ctx.weights.get('kernel')], { perm: [3, 2, 0, 1] });
        const z = g.op('Conv', bias ? [xf, weight, bias] : [xf, weight], convAttrs);
        const act = activation(g, z, layer.activation ?? 'linear', 'first');
        return {
          y: act.y,
          backward(dy, needInputGrad, grad) {
            const dz = act.back(dy);
            // Channel-major gradient [F, N·oh·ow]: rows for the kernel GEMM and the bias sums.
            const dzc = g.op('Reshape', [f === 1 ? dz : g.op('Transpose', [dz], { perm: [1, 0, 2, 3] }), g.ints([f, -1])]);
            if (bias) grad('bias', g.op('ReduceSum', [dzc, g.ints([1])], { keepdims: 0 }));
            // The input's windows, channel-major: [C, N, Hp, Wp] cut at each kernel offset, stacked as [C, kh·kw, N, oh, ow].
            const xc = padSpatial(g, c === 1 ? g.op('Reshape', [xf, g.ints([1, -1, h, w])]) : g.op('Transpose', [xf], { perm: [1, 0, 2, 3] }), [
              pt,
              pb,
              pl,
              pr,
            ]);
            const offsets: Value[] = [];
            for (let i = 0; i < k[0]; i++) {
              for (let j = 0; j < k[1]; j++) offsets.push(g.op('Unsqueeze', [windowSlice(g, xc, i, j, s, oh, ow), g.ints([1])]));
            }
            const cols = g.op('Reshape', [offsets.length === 1 ? offsets[0]! : g.op('Concat', offsets, { axis: 1 }), g.ints([c * k[0] * k[1], -1])]);
            // dW as [C·kh·kw, F] = cols · dzcᵀ (measured 3× faster than colsᵀ · dz with the windows pixel-major), then Keras's [kh, kw, C, F].
            const dw = g.op('Gemm', [cols, dzc], { transB: 1 });
            grad('kernel', g.op('Transpose', [g.op('Reshape', [dw, g.ints([c, k[0], k[1], f])])], { perm: [1, 2, 0, 3] }));
            if (!needInputGrad) return undefined;
            // The input gradient is the transposed convolution of the output gradient; output_padding restores
            // the rows and columns a strided 'valid' convolution never reached.
            const op = [h - (s[0] * (oh - 1) + k[0] - pt - pb), w - (s[1] * (ow - 1) + k[1] - pl - pr)];
            return g.op('ConvTranspose', [dz, weight], { ...convAttrs, ...(op[0]! > 0 || op[1]! > 0 ? { output_padding: op } : {}) });
          },
        };
      });
    case 'MaxPooling2D':
      return needsFirst((xf) => {
        const [h, w, c] = inShape as [number, number, number];
        const [oh, ow] = outShape as [number, number, number];
        const k = layer.poolSize;
        const s = layer.strides ?? layer.poolSize;
        const pads = [...padsOf(layer.padding, h, oh, k[0], s[0]), ...padsOf(layer.padding, w, ow, k[1], s[1])];
        const xp = padSpatial(g, xf, pads, LOWEST);
        const hp = h + pads[0]! + pads[1]!;
        const wp = w + pads[2]! + pads[3]!;
        const identity = k[0] === 1 && k[1] === 1 && s[0] === 1 && s[1] === 1 && oh === hp && ow === wp;
        if (ctx.mode === 'infer') {
          const y = identity ? xp : g.op('MaxPool', [xp], { kernel_shape: k, strides: s });
          return { y, backward: () => undefined };
        }
        const slices: Value[] = [];
        for (let i = 0; i < k[0]; i++) for (let j = 0; j < k[1]; j++) slices.push(identity ? xp : windowSlice(g, xp, i, j, s, oh, ow));
        const y = slices.length === 1 ? g.op('Identity', [slices[0]!]) : g.op('Max', slices);
        // Windows that tile the input exactly (stride = pool size, no padding): the gradient is the windows' parts interleaved.
        const tiles = s[0] === k[0] && s[1] === k[1] && pads.every((p) => p === 0);
        return {
          y,
          backward(dy, needInputGrad) {
            if (!needInputGrad) return undefined;
            // Each output's gradient goes to the first window position holding the maximum.
            let taken: Value | undefined;
            const parts = slices.map((sl) => {
              const eq = g.op('Equal', [sl, y]);
              const first = taken ? g.op('And', [eq, g.op('Not', [taken])]) : eq;
              taken = taken ? g.op('Or', [taken, eq]) : eq;
              return g.op('Where', [first, dy, g.scalar(0)]);
            });
            if (tiles && slices.length > 1) {
              // [N, C, oh, kh, ow, kw] from the kh·kw parts, read as [N, C, oh·kh, ow·kw], then zeros for rows a floor division dropped.
              const rows = Array.from({ length: k[0] }, (_, i) => {
                const cols = parts.slice(i * k[1], (i + 1) * k[1]).map((p) => g.op('Unsqueeze', [p, g.ints([4])]));
                return g.op('Unsqueeze', [g.op('Concat', cols, { axis: 4 }), g.ints([3])]);
              });
              const joined = g.op('Reshape', [g.op('Concat', rows, { axis: 3 }), g.ints([-1, c, oh * k[0], ow * k[1]])]);
              return padSpatial(g, joined, [0, h - oh * k[0], 0, w - ow * k[1]]);
            }
            const placed = parts.map((d, idx) => place(g, d, Math.floor(idx / k[1]), idx % k[1], s, oh, ow, hp, wp, c));
            return unpad(g, placed.length === 1 ? placed[0]! : g.op('Sum', placed), pads, h, w);
          },
        };
      });
    case 'BatchNormalization': {
      const channels = inShape[inShape.length - 1]!;
      // The channel axis: last, or 1 for channels-first data; parameters broadcast along it.
      const first = layout === 'first';
      const perChannel = (v: Value): Value => (first ? g.op('Reshape', [v, g.ints([1, channels, 1, 1])]) : v);
      const eps = g.scalar(layer.epsilon ?? 1e-3);
      const gamma = perChannel(ctx.weights.get('gamma'));
      const beta = perChannel(ctx.weights.get('beta'));
      if (ctx.mode === 'infer') {
        // tf.nn.batch_normalization: x · (gamma / sqrt(var + eps)) + (beta - mean · gamma / sqrt(var + eps)).
        const inv = g.op('Div', [gamma, g.op('Sqrt', [g.op('Add', [perChannel(ctx.weights.get('moving_variance')), eps])])]);
        const shift = g.op('Sub', [beta, g.op('Mul', [perChannel(ctx.weights.get('moving_mean')), inv])]);
        return { y: g.op('Add', [g.op('Mul', [x, inv]), shift]), layout, backward: () => undefined };
      }
      // Statistics over every axis but the channels. A rank-3+ channels-last input is read as [M, C].
      const flat = !first && inShape.length > 1;
      const xs = flat ? g.op('Reshape', [x, g.ints([-1, channels])]) : x;
      const cols = channelReducer(g, xs, layout, first ? inShape[0]! * inShape[1]! : 1);
      const meanOf = (v: Value): Value => g.op('Mul', [cols.sum(v), cols.inv]);
      const mean = meanOf(xs);
      const xc = g.op('Sub', [xs, mean]);
      const variance = meanOf(g.op('Mul', [xc, xc]));
      const inv = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, eps])])]);
      // TF's fused batch norm: (x − mean) · (gamma · rsqrt(var + eps)) + beta.
      const scale = g.op('Mul', [inv, gamma]);
      const ys = g.op('Add', [g.op('Mul', [xc, scale]), beta]);
      ctx.batchStats?.(mean, variance, channels);
      return {
        y: flat ? g.op('Reshape', [ys, g.ints([-1, ...inShape])]) : ys,
        layout,
        backward(dy, needInputGrad, grad) {
          const dys = flat ? g.op('Reshape', [dy, g.ints([-1, channels])]) : dy;
          // Σ dy·x̂ = inv · Σ dy·(x − mean): the centred input is kept, x̂ is never formed.
          const dbeta = cols.sum(dys);
          const dgamma = g.op('Mul', [cols.sum(g.op('Mul', [dys, xc])), inv]);
          grad('gamma', g.op('Reshape', [dgamma, g.ints([channels])]));
          grad('beta', g.op('Reshape', [dbeta, g.ints([channels])]));
          if (!needInputGrad) return undefined;
          // dx = scale · (dy − mean(dy) − x̂ · mean(dy · x̂)) = (dy − Σdy/M) · scale + (x − mean) · (−scale · inv · Σdy·x̂ / M).
          const shift = g.op('Neg', [g.op('Mul', [dbeta, cols.inv])]);
          const slope = g.op('Neg', [g.op('Mul', [g.op('Mul', [scale, inv]), g.op('Mul', [dgamma, cols.inv])])]);
          const dx = g.op('Add', [g.op('Mul', [g.op('Add', [dys, shift]), scale]), g.op('Mul', [xc, slope])]);
          return flat ? g.op('Reshape', [dx, g.ints([-1, ...inShape])]) : dx;
        },
      };
    }
  }
}
