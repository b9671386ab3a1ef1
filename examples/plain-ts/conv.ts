import type { ResolvedLayer } from 'mnist-spec';
import type { Activation } from './activations.js';
import { matmul, matmulTransposedA, matmulTransposedB } from './gemm.js';
import { addBias, columnSums, Layer, type Backward, type TrainingPass } from './layers.js';

/**
 * The two image layers, channels-last (NHWC) as Keras stores images.
 *
 * Conv2D is im2col + one matrix product: every output pixel's receptive field is copied into one row of
 * `cols` [n·oh·ow, kh·kw·c] (in the kernel's own order (i, j, channel), so Keras's kernel [kh, kw, c, filters] is
 * already the [kh·kw·c, filters] matrix), and `cols · kernel` is the output. Backward reuses the rows:
 * the kernel's gradient is colsᵀ · dz, and the input's is dz · kernelᵀ put back where each row came from (col2im).
 *
 * Padding is TensorFlow's: 'valid' pads nothing; 'same' pads so that out = ceil(in / stride), the smaller half
 * before and the larger half after.
 */
type Spec<T extends ResolvedLayer['type']> = Extract<ResolvedLayer, { type: T }>;

/** The geometry of a sliding window over an [h, w, c] input. */
export interface Window {
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  oh: number;
  ow: number;
  /** Padding before the first row / column. */
  top: number;
  left: number;
}

export function windowOf(input: readonly number[], output: readonly number[], size: readonly [number, number], strides: readonly [number, number], padding: 'valid' | 'same'): Window {
  const [h, w, c] = input as [number, number, number];
  const [oh, ow] = output as [number, number];
  const [kh, kw] = size;
  const [sh, sw] = strides;
  const before = (inSize: number, k: number, s: number, out: number): number =>
    padding === 'same' ? Math.floor(Math.max((out - 1) * s + k - inSize, 0) / 2) : 0;
  return { h, w, c, kh, kw, sh, sw, oh, ow, top: before(h, kh, sh, oh), left: before(w, kw, sw, ow) };
}

/** im2col: row (s, y, x) holds the window of output pixel (y, x) of sample s, zeros where it hangs over the edge. */
export function im2col(x: Float32Array, n: number, g: Window): Float32Array {
  const patch = g.kh * g.kw * g.c;
  const cols = new Float32Array(n * g.oh * g.ow * patch);
  let row = 0;
  for (let s = 0; s < n; s++) {
    const base = s * g.h * g.w * g.c;
    for (let y = 0; y < g.oh; y++) {
      for (let xo = 0; xo < g.ow; xo++, row += patch) {
        for (let i = 0; i < g.kh; i++) {
          const yy = y * g.sh - g.top + i;
          if (yy < 0 || yy >= g.h) continue;
          for (let j = 0; j < g.kw; j++) {
            const xx = xo * g.sw - g.left + j;
            if (xx < 0 || xx >= g.w) continue;
            const from = base + (yy * g.w + xx) * g.c;
            const to = row + (i * g.kw + j) * g.c;
            for (let ch = 0; ch < g.c; ch++) cols[to + ch] = x[from + ch]!;
          }
        }
      }
    }
  }
  return cols;
}

/** col2im: the inverse scatter of im2col, adding up where windows overlap (the input's gradient). */
export function col2im(cols: Float32Array, n: number, g: Window): Float32Array {
  const patch = g.kh * g.kw * g.c;
  const dx = new Float32Array(n * g.h * g.w * g.c);
  let row = 0;
  for (let s = 0; s < n; s++) {
    const base = s * g.h * g.w * g.c;
    for (let y = 0; y < g.oh; y++) {
      for (let xo = 0; xo < g.ow; xo++, row += patch) {
        for (let i = 0; i < g.kh; i++) {
          const yy = y * g.sh - g.top + i;
          if (yy < 0 || yy >= g.h) continue;
          for (let j = 0; j < g.kw; j++) {
            const xx = xo * g.sw - g.left + j;
            if (xx < 0 || xx >= g.w) continue;
            const to = base + (yy * g.w + xx) * g.c;
            const from = row + (i * g.kw + j) * g.c;
            for (let ch = 0; ch < g.c; ch++) dx[to + ch] += cols[from + ch]!;
          }
        }
      }
    }
  }
  return dx;
}

/** Samples per im2col in inference. */
const INFERENCE_CHUNK = 16;

/** Conv2D (Keras's is a cross-correlation: the kernel is not flipped). */
export class Conv2DLayer extends Layer<Spec<'Conv2D'>> {
  private cols: Float32Array | undefined;
  private y: Float32Array | undefined;

  get window(): Window {
    return windowOf(this.spec.inputShape, this.spec.outputShape, this.spec.kernelSize, this.spec.strides ?? [1, 1], this.spec.padding ?? 'valid');
  }
  get activation(): Activation {
    return this.context.activations[this.spec.activation ?? 'linear'];
  }
  /** The kernel as the [kh·kw·c, filters] matrix the im2col rows multiply. */
  kernelMatrix(): Float32Array {
    return this.weights.kernel!;
  }

  /** z = im2col(x) · kernel + bias for n samples, and the im2col rows it multiplied. */
  linear(x: Float32Array, n: number): { z: Float32Array; cols: Float32Array } {
    const g = this.window;
    const cols = im2col(x, n, g);
    const z = matmul(cols, this.kernelMatrix(), n * g.oh * g.ow, g.kh * g.kw * g.c, this.spec.filters);
    if (this.weights.bias) addBias(z, this.weights.bias);
    return { z, cols };
  }

  forward(x: Float32Array, n: number, training?: TrainingPass): Float32Array {
    const f = this.spec.filters;
    if (training) {
      const { z, cols } = this.linear(x, n);
      const y = this.activation.forward(z, f);
      [this.cols, this.y] = [cols, y];
      return y;
    }
    // Inference keeps nothing, so it goes a few samples at a time: the im2col rows stay small enough for the caches.
    const y = new Float32Array(n * this.outputSize);
    for (let s = 0; s < n; s += INFERENCE_CHUNK) {
      const m = Math.min(INFERENCE_CHUNK, n - s);
      y.set(this.activation.forward(this.linear(x.subarray(s * this.inputSize, (s + m) * this.inputSize), m).z, f), s * this.outputSize);
    }
    return y;
  }

  override backward(dy: Float32Array, needInputGrad: boolean): Backward {
    const g = this.window;
    const f = this.spec.filters;
    const patch = g.kh * g.kw * g.c;
    const rows = dy.length / f;
    const dz = this.activation.backward(this.y!, dy, f);
    const grads: Record<string, Float32Array> = { kernel: matmulTransposedA(this.cols!, dz, rows, patch, f) };
    if (this.weights.bias) grads.bias = columnSums(dz, f);
    const dx = needInputGrad ? col2im(matmulTransposedB(dz, this.kernelMatrix(), rows, f, patch), rows / (g.oh * g.ow), g) : undefined;
    return { dx, grads };
  }

  override release(): void {
    this.cols = this.y = undefined;
  }
}

/**
 * MaxPooling2D: the maximum of each window, per channel (windows hanging over a 'same' edge see only the
 * input). Backward sends each output's gradient to the position that held the maximum — the first one in
 * row-major window order when several tie, as TensorFlow's MaxPoolGrad does.
 */
export class MaxPooling2DLayer extends Layer<Spec<'MaxPooling2D'>> {
  /** Training: for each output value, the flat input index of its maximum (−1 for none). */
  private argmax: Int32Array | undefined;
  private inputLength = 0;

  get window(): Window {
    return windowOf(this.spec.inputShape, this.spec.outputShape, this.spec.poolSize, this.spec.strides ?? this.spec.poolSize, this.spec.padding ?? 'valid');
  }

  forward(x: Float32Array, n: number, training?: TrainingPass): Float32Array {
    const g = this.window;
    const y = new Float32Array(n * g.oh * g.ow * g.c);
    const argmax = new Int32Array(y.length).fill(-1);
    let o = 0;
    for (let s = 0; s < n; s++) {
      const base = s * g.h * g.w * g.c;
      for (let yo = 0; yo < g.oh; yo++) {
        for (let xo = 0; xo < g.ow; xo++) {
          for (let ch = 0; ch < g.c; ch++, o++) {
            let best = -Infinity;
            let at = -1;
            for (let i = 0; i < g.kh; i++) {
              const yy = yo * g.sh - g.top + i;
              if (yy < 0 || yy >= g.h) continue;
              for (let j = 0; j < g.kw; j++) {
                const xx = xo * g.sw - g.left + j;
                if (xx < 0 || xx >= g.w) continue;
                const k = base + (yy * g.w + xx) * g.c + ch;
                if (x[k]! > best || at < 0) {
                  best = x[k]!;
                  at = k;
                }
              }
            }
            y[o] = best;
            argmax[o] = at;
          }
        }
      }
    }
    if (training) {
      this.argmax = argmax;
      this.inputLength = x.length;
    }
    return y;
  }

  override backward(dy: Float32Array): Backward {
    const argmax = this.argmax!;
    const dx = new Float32Array(this.inputLength);
    for (let o = 0; o < dy.length; o++) if (argmax[o]! >= 0) dx[argmax[o]!] += dy[o]!;
    return { dx, grads: {} };
  }

  override release(): void {
    this.argmax = undefined;
  }
}
