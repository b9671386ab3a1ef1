import { modelWeightSpecs, type ResolvedArchitecture, type ResolvedLayer } from '../arch/resolve.js';
import type { F32Tensor } from '../tensor.js';

/**
 * One Keras training step (training-mode forward, categorical cross-entropy, backward, SGD without momentum) in
 * float64, written from the Keras layer definitions alone (as keras-float64.ts is for inference), for sequential
 * stacks of Conv2D, BatchNormalization, Activation (relu; softmax last), MaxPooling2D, Flatten, Dropout(rate 0)
 * and Dense. It shares no code with any implementation.
 *
 * Alongside every weight's new value it returns the magnitude M of the computation that formed it, the ingredient of
 * a first-order running error bound (Higham, Accuracy and Stability of Numerical Algorithms, §3): every value carries
 * the magnitude of what a rounding anywhere before it can move it by, relative to float32's unit roundoff — a sum
 * carries Σ|terms| (its terms' magnitudes, not its possibly cancelling result), a product |a|·M(b) + M(a)·|b|, batch
 * norm the first-order effect of its batch mean's and variance's errors on x̂ = (x − mean)·r (δr = −r·δvariance /
 * 2(variance + ε)), softmax δp_j = p_j·(δz_j − Σ p_k δz_k). Forward and backward: a conv kernel's gradient behind batch
 * norm sums ± terms over batch × height × width, and its M is the sum of their magnitudes. The caller scales M by the
 * rounding it allows per term (see spec/conformance/train/step.spec.ts).
 */
export interface ReferenceStep {
  /** Every weight after the step, in Keras order (trainable: w − lr·g; moving statistics: the batch's, debiased). */
  weights: Float64Array[];
  /** For each weight, the magnitude M of the computation that formed it (the gradient's, times lr, for a trainable weight). */
  magnitudes: Float64Array[];
  /** The training-mode loss of the batch (mean cross-entropy). */
  loss: number;
}

interface Grad {
  v: Float64Array;
  /** the magnitude M per element */
  s: Float64Array;
}

function window(size: number, k: number, s: number, padding: 'valid' | 'same' | undefined): [out: number, before: number] {
  if (padding !== 'same') return [Math.floor((size - k) / s) + 1, 0];
  const out = Math.ceil(size / s);
  return [out, Math.floor(Math.max((out - 1) * s + k - size, 0) / 2)];
}

interface Step {
  /** The output and its magnitude, from the input `x` and its magnitude `mx`. */
  forward(x: Float64Array, mx: Float64Array): [Float64Array, Float64Array];
  /**
   * The input's gradient (undefined when nothing before needs it), from the output's gradient `dy` and its magnitude
   * `my`: each element's value computed with the absolute values of every term that formed it.
   */
  backward(dy: Float64Array, my: Float64Array): [Float64Array, Float64Array] | undefined;
}

const identity: Step = { forward: (v, m) => [v, m], backward: (d, m) => [d, m] };

/** The float64 step: SGD(lr) on one batch x, one-hot y, from `weights`. */
export function referenceStep(r: ResolvedArchitecture, weights: readonly F32Tensor[], x: F32Tensor, y: F32Tensor, lr: number): ReferenceStep {
  const specs = modelWeightSpecs(r);
  const n = x.shape[0]!;
  const w64 = weights.map((t) => Float64Array.from(t.data));
  const grads: (Grad | undefined)[] = specs.map(() => undefined);
  const after: Float64Array[] = w64.map((w) => w.slice());
  const magnitudes: Float64Array[] = w64.map((w) => new Float64Array(w.length));
  let wi = 0;
  const steps: Step[] = [];
  const last = r.layers[r.layers.length - 1]!;
  if (!(last.type === 'Activation' && last.activation === 'softmax'))
    throw new Error('referenceStep: the last layer must be Activation(softmax) (the step is categorical cross-entropy on its logits)');

  for (const l of r.layers) {
    const first = steps.length === 0;
    switch (l.type) {
      case 'Conv2D':
      case 'Dense': {
        const k = wi;
        const bias = l.useBias !== false;
        wi += bias ? 2 : 1;
        const sink = (g: Grad, b: Grad | undefined): void => {
          grads[k] = g;
          if (b) grads[k + 1] = b;
        };
        steps.push(
          l.type === 'Conv2D' ? conv(l, n, w64[k]!, bias ? w64[k + 1]! : undefined, first, sink) : dense(l, w64[k]!, bias ? w64[k + 1]! : undefined, sink),
        );
        if (l.activation && l.activation !== 'linear') throw new Error(`referenceStep: ${l.name}: put the activation in its own layer`);
        break;
      }
      case 'BatchNormalization': {
        const k = wi;
        wi += 4;
        const eps = l.epsilon ?? 1e-3;
        steps.push(
          batchNorm(
            l,
            w64[k]!,
            w64[k + 1]!,
            (g, b) => ((grads[k] = g), (grads[k + 1] = b)),
            (stat) => {
              // Keras 2.2 stores the sample variance n/(n − (1 + ε)) times the biased one, and for 4-D inputs the fused
              // kernel's variance already carries n/(n − 1); after one step the debiased moving average is the batch's own.
              const m = stat.m;
              const factor = (m / (m - (1 + eps))) * (l.inputShape.length === 3 ? m / Math.max(m - 1, 1) : 1);
              after[k + 2]!.set(stat.mean);
              magnitudes[k + 2]!.set(stat.mmean);
              after[k + 3]!.set(stat.variance.map((v) => v * factor));
              magnitudes[k + 3]!.set(stat.mvariance.map((v) => v * factor));
            },
          ),
        );
        break;
      }
      case 'Activation':
        if (l === last) break; // folded into the loss
        if (l.activation !== 'relu') throw new Error(`referenceStep: activation ${l.activation} is not in the step reference (relu, and softmax last)`);
        steps.push(relu());
        break;
      case 'MaxPooling2D':
        steps.push(maxPool(l, n));
        break;
      case 'Dropout':
        if (l.rate !== 0) throw new Error(`referenceStep: ${l.name} has rate ${l.rate}; only rate 0 (Keras's identity) is deterministic`);
        steps.push(identity);
        break;
      case 'Flatten':
      case 'Reshape':
        steps.push(identity);
        break;
    }
  }

  let [h, mh]: [Float64Array, Float64Array] = [Float64Array.from(x.data), Float64Array.from(x.data, Math.abs)];
  for (const s of steps) [h, mh] = s.forward(h, mh);
  const classes = r.outputShape[0]!;
  const dz = new Float64Array(n * classes);
  const mz = new Float64Array(n * classes);
  let loss = 0;
  for (let s = 0; s < n; s++) {
    const z = h.subarray(s * classes, (s + 1) * classes);
    const max = Math.max(...z);
    const e = Array.from(z, (t) => Math.exp(t - max));
    const sum = e.reduce((a, b) => a + b, 0);
    // δp_j = p_j·(δz_j − Σ_k p_k·δz_k): the probabilities' magnitude from the logits'.
    let spread = 0;
    for (let j = 0; j < classes; j++) spread += (e[j]! / sum) * mh[s * classes + j]!;
    for (let j = 0; j < classes; j++) {
      const p = e[j]! / sum;
      const target = y.data[s * classes + j]!;
      if (target === 1) loss -= Math.log(p) / n;
      dz[s * classes + j] = (p - target) / n;
      mz[s * classes + j] = (p + target + p * (mh[s * classes + j]! + spread)) / n;
    }
  }
  let d: [Float64Array, Float64Array] | undefined = [dz, mz];
  for (let i = steps.length - 1; i >= 0 && d; i--) d = steps[i]!.backward(d[0], d[1]);

  specs.forEach((s, t) => {
    if (!s.trainable) return;
    const g = grads[t]!;
    for (let i = 0; i < g.v.length; i++) {
      after[t]![i] = w64[t]![i]! - lr * g.v[i]!;
      magnitudes[t]![i] = lr * g.s[i]!;
    }
  });
  return { weights: after, magnitudes, loss };
}

function relu(): Step {
  let input: Float64Array;
  return {
    forward(x, mx) {
      input = x;
      return [x.map((t) => (t > 0 ? t : 0)), mx.map((m, i) => (x[i]! > 0 ? m : 0))];
    },
    backward: (dy, my) => [dy.map((g, i) => (input[i]! > 0 ? g : 0)), my.map((g, i) => (input[i]! > 0 ? g : 0))],
  };
}

function conv(
  l: ResolvedLayer & { type: 'Conv2D' },
  n: number,
  kernel: Float64Array,
  bias: Float64Array | undefined,
  first: boolean,
  sink: (g: Grad, b?: Grad) => void,
): Step {
  const [h, w, c] = l.inputShape as [number, number, number];
  const [kh, kw] = l.kernelSize;
  const [sh, sw] = l.strides ?? [1, 1];
  const [oh, top] = window(h, kh, sh, l.padding);
  const [ow, left] = window(w, kw, sw, l.padding);
  const f = l.filters;
  const absKernel = kernel.map(Math.abs);
  let input: Float64Array;
  let inputMagnitude: Float64Array;
  // Per output position: the input offsets and kernel offsets of its in-bounds taps.
  const taps: [number[], number[]][] = [];
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++) {
      const ins: number[] = [];
      const ks: number[] = [];
      for (let i = 0; i < kh; i++)
        for (let j = 0; j < kw; j++) {
          const yy = y * sh - top + i;
          const xx = x * sw - left + j;
          if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
          for (let ch = 0; ch < c; ch++) {
            ins.push((yy * w + xx) * c + ch);
            ks.push(((i * kw + j) * c + ch) * f);
          }
        }
      taps.push([ins, ks]);
    }
  return {
    forward(x, mx) {
      input = x;
      inputMagnitude = mx;
      const out = new Float64Array(n * oh * ow * f);
      const mout = new Float64Array(n * oh * ow * f);
      for (let b = 0; b < n; b++)
        for (let p = 0; p < oh * ow; p++) {
          const [ins, ks] = taps[p]!;
          const at = (b * oh * ow + p) * f;
          for (let o = 0; o < f; o++) {
            out[at + o] = bias ? bias[o]! : 0;
            mout[at + o] = Math.abs(out[at + o]!);
          }
          const base = b * h * w * c;
          for (let t = 0; t < ins.length; t++) {
            const a = x[base + ins[t]!]!;
            const ma = mx[base + ins[t]!]!;
            if (ma === 0) continue;
            const ko = ks[t]!;
            for (let o = 0; o < f; o++) {
              out[at + o] += a * kernel[ko + o]!;
              mout[at + o] += ma * absKernel[ko + o]!;
            }
          }
        }
      return [out, mout];
    },
    backward(dy, my) {
      const x = input;
      const gk: Grad = { v: new Float64Array(kernel.length), s: new Float64Array(kernel.length) };
      const dx = first ? undefined : new Float64Array(x.length);
      const mx = first ? undefined : new Float64Array(x.length);
      for (let b = 0; b < n; b++)
        for (let p = 0; p < oh * ow; p++) {
          const [ins, ks] = taps[p]!;
          const at = (b * oh * ow + p) * f;
          const base = b * h * w * c;
          for (let t = 0; t < ins.length; t++) {
            const ii = base + ins[t]!;
            const a = x[ii]!;
            const aa = Math.abs(a);
            const ma = inputMagnitude[ii]!;
            const ko = ks[t]!;
            let sx = 0;
            let smx = 0;
            for (let o = 0; o < f; o++) {
              const g = dy[at + o]!;
              const mg = my[at + o]!;
              gk.v[ko + o] += a * g;
              gk.s[ko + o] += aa * mg + ma * Math.abs(g);
              sx += kernel[ko + o]! * g;
              smx += absKernel[ko + o]! * mg;
            }
            if (dx) {
              dx[ii] += sx;
              mx![ii] += smx;
            }
          }
        }
      let gb: Grad | undefined;
      if (bias) {
        gb = { v: new Float64Array(f), s: new Float64Array(f) };
        for (let p = 0; p < dy.length; p++) {
          gb.v[p % f] += dy[p]!;
          gb.s[p % f] += my[p]!;
        }
      }
      sink(gk, gb);
      return dx && [dx, mx!];
    },
  };
}

function dense(l: ResolvedLayer & { type: 'Dense' }, kernel: Float64Array, bias: Float64Array | undefined, sink: (g: Grad, b?: Grad) => void): Step {
  const k = l.inputShape[l.inputShape.length - 1]!;
  const u = l.units;
  let input: Float64Array;
  let inputMagnitude: Float64Array;
  return {
    forward(x, mx) {
      input = x;
      inputMagnitude = mx;
      const rows = x.length / k;
      const out = new Float64Array(rows * u);
      const mout = new Float64Array(rows * u);
      for (let row = 0; row < rows; row++)
        for (let j = 0; j < u; j++) {
          let s = bias ? bias[j]! : 0;
          let ms = Math.abs(s);
          for (let i = 0; i < k; i++) {
            s += x[row * k + i]! * kernel[i * u + j]!;
            ms += mx[row * k + i]! * Math.abs(kernel[i * u + j]!);
          }
          out[row * u + j] = s;
          mout[row * u + j] = ms;
        }
      return [out, mout];
    },
    backward(dy, my) {
      const x = input;
      const rows = x.length / k;
      const gk: Grad = { v: new Float64Array(k * u), s: new Float64Array(k * u) };
      const dx = new Float64Array(x.length);
      const mx = new Float64Array(x.length);
      for (let row = 0; row < rows; row++)
        for (let i = 0; i < k; i++) {
          const a = x[row * k + i]!;
          const ma = inputMagnitude[row * k + i]!;
          let sx = 0;
          let smx = 0;
          for (let j = 0; j < u; j++) {
            const g = dy[row * u + j]!;
            const mg = my[row * u + j]!;
            gk.v[i * u + j] += a * g;
            gk.s[i * u + j] += Math.abs(a) * mg + ma * Math.abs(g);
            sx += kernel[i * u + j]! * g;
            smx += Math.abs(kernel[i * u + j]!) * mg;
          }
          dx[row * k + i] = sx;
          mx[row * k + i] = smx;
        }
      let gb: Grad | undefined;
      if (bias) {
        gb = { v: new Float64Array(u), s: new Float64Array(u) };
        for (let p = 0; p < dy.length; p++) {
          gb.v[p % u] += dy[p]!;
          gb.s[p % u] += my[p]!;
        }
      }
      sink(gk, gb);
      return [dx, mx];
    },
  };
}

interface Statistics {
  m: number;
  mean: Float64Array;
  mmean: Float64Array;
  variance: Float64Array;
  mvariance: Float64Array;
}

function batchNorm(
  l: ResolvedLayer & { type: 'BatchNormalization' },
  gamma: Float64Array,
  beta: Float64Array,
  sink: (g: Grad, b: Grad) => void,
  statistics: (s: Statistics) => void,
): Step {
  const c = l.inputShape[l.inputShape.length - 1]!;
  const eps = l.epsilon ?? 1e-3;
  let xhat: Float64Array;
  let mxhat: Float64Array;
  let inv: Float64Array; // 1/sqrt(variance + ε) per channel
  let minv: Float64Array;
  let m = 0;
  return {
    forward(x, mx) {
      m = x.length / c;
      const mean = new Float64Array(c);
      const mmean = new Float64Array(c);
      for (let i = 0; i < x.length; i++) {
        mean[i % c] += x[i]! / m;
        mmean[i % c] += mx[i]! / m;
      }
      const variance = new Float64Array(c);
      const mvariance = new Float64Array(c);
      for (let i = 0; i < x.length; i++) {
        const d = x[i]! - mean[i % c]!;
        variance[i % c] += d ** 2 / m;
        mvariance[i % c] += (d ** 2 + 2 * Math.abs(d) * (mx[i]! + mmean[i % c]!)) / m;
      }
      statistics({ m, mean, mmean, variance, mvariance });
      inv = variance.map((v) => 1 / Math.sqrt(v + eps));
      // First-order error magnitudes: δr = −r·δvariance / 2(variance + ε); δx̂ = r·(δx − δmean) + (x − mean)·δr.
      minv = inv.map((r, ch) => r * (1 + mvariance[ch]! / (2 * (variance[ch]! + eps))));
      xhat = x.map((t, i) => (t - mean[i % c]!) * inv[i % c]!);
      mxhat = x.map((t, i) => (mx[i]! + mmean[i % c]!) * inv[i % c]! + Math.abs(t - mean[i % c]!) * minv[i % c]! + Math.abs(xhat[i]!));
      const y = xhat.map((t, i) => gamma[i % c]! * t + beta[i % c]!);
      return [y, mxhat.map((t, i) => Math.abs(gamma[i % c]!) * t + Math.abs(beta[i % c]!))];
    },
    backward(dy, my) {
      const gg: Grad = { v: new Float64Array(c), s: new Float64Array(c) };
      const gb: Grad = { v: new Float64Array(c), s: new Float64Array(c) };
      for (let i = 0; i < dy.length; i++) {
        const ch = i % c;
        gg.v[ch] += dy[i]! * xhat[i]!;
        gg.s[ch] += my[i]! * Math.abs(xhat[i]!) + Math.abs(dy[i]!) * mxhat[i]!;
        gb.v[ch] += dy[i]!;
        gb.s[ch] += my[i]!;
      }
      sink(gg, gb);
      // dx = γ·r·(dy − Σdy/m − x̂·Σ(dy·x̂)/m), the closed form of differentiating batch statistics.
      const dx = dy.map((g, i) => {
        const ch = i % c;
        return gamma[ch]! * inv[ch]! * (g - gb.v[ch]! / m - (xhat[i]! * gg.v[ch]!) / m);
      });
      const mx = my.map((g, i) => {
        const ch = i % c;
        const q = Math.abs(dy[i]! - gb.v[ch]! / m - (xhat[i]! * gg.v[ch]!) / m);
        const mq = g + gb.s[ch]! / m + (Math.abs(xhat[i]!) * gg.s[ch]! + mxhat[i]! * Math.abs(gg.v[ch]!)) / m;
        return Math.abs(gamma[ch]!) * (inv[ch]! * mq + minv[ch]! * q);
      });
      return [dx, mx];
    },
  };
}

function maxPool(l: ResolvedLayer & { type: 'MaxPooling2D' }, n: number): Step {
  const [h, w, c] = l.inputShape as [number, number, number];
  const [kh, kw] = l.poolSize;
  const [sh, sw] = l.strides ?? l.poolSize;
  const [oh, top] = window(h, kh, sh, l.padding);
  const [ow, left] = window(w, kw, sw, l.padding);
  let size = 0;
  let argmax: Int32Array; // the input each output took: the first maximum in row-major window order, as Keras
  return {
    forward(x, mx) {
      size = x.length;
      const out = new Float64Array(n * oh * ow * c);
      const mout = new Float64Array(n * oh * ow * c);
      argmax = new Int32Array(out.length);
      for (let b = 0; b < n; b++)
        for (let yo = 0; yo < oh; yo++)
          for (let xo = 0; xo < ow; xo++)
            for (let ch = 0; ch < c; ch++) {
              const o = ((b * oh + yo) * ow + xo) * c + ch;
              let best = -1;
              for (let i = 0; i < kh; i++)
                for (let j = 0; j < kw; j++) {
                  const yy = yo * sh - top + i;
                  const xx = xo * sw - left + j;
                  if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                  const p = ((b * h + yy) * w + xx) * c + ch;
                  if (best < 0 || x[p]! > x[best]!) best = p;
                  mout[o] = Math.max(mout[o]!, mx[p]!);
                }
              argmax[o] = best;
              out[o] = x[best]!;
            }
      return [out, mout];
    },
    backward(dy, my) {
      const dx = new Float64Array(size);
      const mx = new Float64Array(size);
      for (let o = 0; o < dy.length; o++) {
        dx[argmax[o]!] += dy[o]!;
        mx[argmax[o]!] += my[o]!;
      }
      return [dx, mx];
    },
  };
}
