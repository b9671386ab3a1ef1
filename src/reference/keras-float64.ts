import { initialWeights } from '../arch/init.js';
import { modelWeightSpecs, type ResolvedArchitecture } from '../arch/resolve.js';
import type { ActivationName } from '../arch/types.js';
import { sizeOf, type F32Tensor } from '../tensor.js';
import { Rng } from '../util/rng.js';

/**
 * Keras inference, written from the Keras layer definitions alone, one sample at a time in float64 on the
 * channels-last row-major layout: Dense y = x·W + b with W [in, out]; Conv2D a cross-correlation with
 * kernel [kh, kw, in, out] and TF padding; BatchNormalization (x − moving_mean)/sqrt(moving_variance + ε)·γ + β;
 * MaxPooling2D; Flatten = memory order; Dropout = identity; softmax over the last axis.
 * It is what spec/conformance/inference holds every implementation's predict() to. It shares no code with any
 * implementation (nor with examples/plain-ts, which the suite must catch when it is broken).
 */
function activate(v: Float64Array, last: number, a: ActivationName | undefined): Float64Array {
  if (!a || a === 'linear') return v;
  if (a === 'relu') return v.map((t) => (t > 0 ? t : 0));
  if (a === 'tanh') return v.map(Math.tanh);
  if (a === 'sigmoid') return v.map((t) => 1 / (1 + Math.exp(-t)));
  const out = new Float64Array(v.length);
  for (let r = 0; r < v.length; r += last) {
    let max = -Infinity;
    for (let j = 0; j < last; j++) max = Math.max(max, v[r + j]!);
    let sum = 0;
    for (let j = 0; j < last; j++) sum += out[r + j] = Math.exp(v[r + j]! - max);
    for (let j = 0; j < last; j++) out[r + j]! /= sum;
  }
  return out;
}

function window(size: number, k: number, s: number, padding: 'valid' | 'same' | undefined): [out: number, before: number] {
  if (padding !== 'same') return [Math.floor((size - k) / s) + 1, 0];
  const out = Math.ceil(size / s);
  return [out, Math.floor(Math.max((out - 1) * s + k - size, 0) / 2)];
}

/** One sample's output probabilities (or, with `layers`, the output of the first `layers` layers). */
export function referenceSample(r: ResolvedArchitecture, weights: readonly F32Tensor[], sample: ArrayLike<number>, layers = r.layers.length): Float64Array {
  let v: Float64Array = Float64Array.from(sample);
  let wi = 0;
  const next = (): Float32Array => weights[wi++]!.data;
  for (const l of r.layers.slice(0, layers)) {
    const inShape = l.inputShape;
    const last = l.outputShape[l.outputShape.length - 1]!;
    switch (l.type) {
      case 'Dense': {
        const k = inShape[inShape.length - 1]!;
        const kernel = next();
        const bias = (l.useBias ?? true) ? next() : undefined;
        const rows = v.length / k;
        const out = new Float64Array(rows * l.units);
        for (let row = 0; row < rows; row++)
          for (let j = 0; j < l.units; j++) {
            let s = bias ? bias[j]! : 0;
            for (let i = 0; i < k; i++) s += v[row * k + i]! * kernel[i * l.units + j]!;
            out[row * l.units + j] = s;
          }
        v = activate(out, last, l.activation);
        break;
      }
      case 'Conv2D': {
        const [h, w, c] = inShape as [number, number, number];
        const [kh, kw] = l.kernelSize;
        const [sh, sw] = l.strides ?? [1, 1];
        const [oh, top] = window(h, kh, sh, l.padding);
        const [ow, left] = window(w, kw, sw, l.padding);
        const kernel = next();
        const bias = (l.useBias ?? true) ? next() : undefined;
        const f = l.filters;
        const out = new Float64Array(oh * ow * f);
        for (let y = 0; y < oh; y++)
          for (let x = 0; x < ow; x++)
            for (let o = 0; o < f; o++) {
              let s = bias ? bias[o]! : 0;
              for (let i = 0; i < kh; i++)
                for (let j = 0; j < kw; j++) {
                  const yy = y * sh - top + i;
                  const xx = x * sw - left + j;
                  if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                  for (let ch = 0; ch < c; ch++) s += v[(yy * w + xx) * c + ch]! * kernel[((i * kw + j) * c + ch) * f + o]!;
                }
              out[(y * ow + x) * f + o] = s;
            }
        v = activate(out, last, l.activation);
        break;
      }
      case 'BatchNormalization': {
        const [gamma, beta, mean, variance] = [next(), next(), next(), next()];
        const c = inShape[inShape.length - 1]!;
        const eps = l.epsilon ?? 1e-3;
        v = v.map((t, i) => ((t - mean[i % c]!) / Math.sqrt(variance[i % c]! + eps)) * gamma[i % c]! + beta[i % c]!);
        break;
      }
      case 'MaxPooling2D': {
        const [h, w, c] = inShape as [number, number, number];
        const [kh, kw] = l.poolSize;
        const [sh, sw] = l.strides ?? l.poolSize;
        const [oh, top] = window(h, kh, sh, l.padding);
        const [ow, left] = window(w, kw, sw, l.padding);
        const out = new Float64Array(oh * ow * c).fill(-Infinity);
        for (let y = 0; y < oh; y++)
          for (let x = 0; x < ow; x++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const yy = y * sh - top + i;
                const xx = x * sw - left + j;
                if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                for (let ch = 0; ch < c; ch++) out[(y * ow + x) * c + ch] = Math.max(out[(y * ow + x) * c + ch]!, v[(yy * w + xx) * c + ch]!);
              }
        v = out;
        break;
      }
      case 'Activation':
        v = activate(v, last, l.activation);
        break;
      case 'Flatten':
      case 'Reshape':
      case 'Dropout':
        break;
    }
  }
  return v;
}

/** Probabilities of every sample of x, [n, classes] in float64. */
export function referencePredict(r: ResolvedArchitecture, weights: readonly F32Tensor[], x: F32Tensor): Float64Array {
  const n = x.shape[0]!;
  const per = sizeOf(r.inputShape);
  const k = sizeOf(r.outputShape);
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) out.set(referenceSample(r, weights, x.data.subarray(i * per, (i + 1) * per)), i * k);
  return out;
}

/**
 * Initial Keras weights with every non-kernel weight moved off its initializer constant, so a dropped or
 * swapped bias, γ, β or moving statistic changes the output: biases U(−0.2, 0.2), γ U(0.5, 1.5),
 * β U(−0.5, 0.5), moving_mean U(−0.5, 0.5), moving_variance log-uniform in [0.01, 4] (trained nets have
 * small variances too, where BatchNormalization's ε = 1e-3 is not negligible).
 */
export function distinctWeights(r: ResolvedArchitecture, seed: number): F32Tensor[] {
  const rng = new Rng(seed).fork(31);
  const u = (lo: number, hi: number): number => lo + (hi - lo) * rng.float();
  const draw: Record<string, () => number> = {
    bias: () => u(-0.2, 0.2),
    gamma: () => u(0.5, 1.5),
    beta: () => u(-0.5, 0.5),
    moving_mean: () => u(-0.5, 0.5),
    moving_variance: () => Math.exp(u(Math.log(0.01), Math.log(4))),
  };
  const specs = modelWeightSpecs(r);
  return initialWeights(r, seed).map((w, i) => {
    const d = draw[specs[i]!.name];
    return d ? { shape: w.shape, data: w.data.map(() => d()) } : w;
  });
}

/**
 * Random weights easily make a deep net's softmax saturate (one probability 1, the rest 0), and a
 * saturated output hides most mistakes. Scale the last Dense layer's kernel and bias down by powers of two
 * until, on `x`, the mean top probability is at most 0.9: every output then depends on every logit.
 */
export function temperWeights(r: ResolvedArchitecture, weights: readonly F32Tensor[], x: F32Tensor): F32Tensor[] {
  const last = r.layers.map((l) => l.type).lastIndexOf('Dense');
  const dense = r.layers[last]!;
  if (dense.type !== 'Dense') return [...weights];
  const kernelIndex = modelWeightSpecs(r).findIndex((w) => w.layer === dense.name && w.name === 'kernel');
  const n = x.shape[0]!;
  const per = sizeOf(r.inputShape);
  const kernel = weights[kernelIndex]!.data;
  const bias = (dense.useBias ?? true) ? weights[kernelIndex + 1]!.data : undefined;
  const units = dense.units;
  const logits: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const h = referenceSample(r, weights, x.data.subarray(i * per, (i + 1) * per), last);
    const k = h.length;
    const z = new Float64Array(units);
    for (let j = 0; j < units; j++) {
      let s = bias ? bias[j]! : 0;
      for (let a = 0; a < k; a++) s += h[a]! * kernel[a * units + j]!;
      z[j] = s;
    }
    logits.push(z);
  }
  const meanTop = (scale: number): number =>
    logits.reduce((acc, z) => {
      const m = Math.max(...z);
      const e = Array.from(z, (t) => Math.exp(scale * (t - m)));
      return acc + 1 / e.reduce((a, b) => a + b, 0);
    }, 0) / n;
  let scale = 1;
  while (meanTop(scale) > 0.9 && scale > 1e-6) scale /= 2;
  const out = [...weights];
  out[kernelIndex] = { shape: weights[kernelIndex]!.shape, data: kernel.map((t) => t * scale) };
  if (bias) out[kernelIndex + 1] = { shape: weights[kernelIndex + 1]!.shape, data: bias.map((t) => t * scale) };
  return out;
}
