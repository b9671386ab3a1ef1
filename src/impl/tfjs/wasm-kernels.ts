import * as tf from '@tensorflow/tfjs';

/**
 * Kernels for tfjs-backend-wasm 4.22, where training needs what it lacks or does slowly. Each is built
 * from the backend's own kernels (XNNPACK matrix multiply and convolution where possible), called at
 * the TensorInfo level: reshapes only relabel a buffer, temporaries are freed before returning.
 */

type Info = tf.TensorInfo;

/** The kernel a Conv2D's weight gradient needs; the wasm backend ships without it. */
export const CONV2D_FILTER_GRAD = 'Conv2DBackpropFilter';

/** Runs wasm kernels by name inside a kernel function and frees every intermediate it made. */
class Kernels {
  private readonly temporaries: Info[] = [];
  constructor(private readonly backend: tf.KernelBackend) {}

  run(name: string, inputs: Record<string, Info> | Info[], attrs: Record<string, unknown> = {}): Info {
    const kernel = tf.getKernel(name, 'wasm');
    if (!kernel) throw new Error(`wasm backend has no ${name} kernel`);
    const out = kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, attrs: attrs as tf.NamedAttrMap, backend: this.backend }) as Info;
    this.temporaries.push(out);
    return out;
  }

  /** The same buffer read with another shape (row-major, same size). */
  static view(t: Info, shape: number[]): Info {
    return { dataId: t.dataId, shape, dtype: t.dtype };
  }

  /** Keep `result` and free the rest. */
  finish(result: Info): Info {
    for (const t of this.temporaries) if (t.dataId !== result.dataId) this.backend.disposeData(t.dataId);
    return result;
  }

  abandon(): void {
    for (const t of this.temporaries) this.backend.disposeData(t.dataId);
  }
}

function withKernels(backend: object, body: (k: Kernels) => Info): Info {
  const k = new Kernels(backend as tf.KernelBackend);
  try {
    return k.finish(body(k));
  } catch (e) {
    k.abandon();
    throw e;
  }
}

type ConvAttrs = {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

function convInfo(xShape: number[], filterShape: number[], attrs: ConvAttrs): tf.backend_util.Conv2DInfo {
  if (attrs.dataFormat !== 'NHWC') throw new Error(`wasm conv gradients: only NHWC (got ${attrs.dataFormat})`);
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

/**
 * Conv2DBackpropFilter (missing from the wasm backend, so a Conv2D kernel could not train) as one forward
 * convolution (XNNPACK): dW[i, j, ci, co] = Σ_b,oh,ow x[b, oh·s + i, ow·s + j, ci] · dy[b, oh, ow, co] is
 * the (padded) input with batch and channel axes swapped, [ci, h, w, b], correlated with dy read as a
 * filter [oh, ow, b, co] dilated by the stride; its first kh × kw outputs are dW as [ci, kh, kw, co].
 * (64×26×26×32 input, 3×3×32×32 kernel: 36 ms, against 72 ms for kh·kw sliced matrix products and
 * 545 ms for the backend's Conv3DBackpropFilterV2 read as 2-D.)
 */
function conv2DBackpropFilter({ inputs, attrs, backend }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: object }): Info {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  const c = convInfo(x.shape, a.filterShape, a);
  const [kh, kw, ci, co] = a.filterShape;
  return withKernels(backend, (k) => {
    const { top, bottom, left, right } = c.padInfo;
    const padded =
      top || bottom || left || right
        ? k.run(
            'PadV2',
            { x },
            {
              paddings: [
                [0, 0],
                [top, bottom],
                [left, right],
                [0, 0],
              ],
              constantValue: 0,
            },
          )
        : x;
    const images = k.run('Transpose', { x: padded }, { perm: [3, 1, 2, 0] });
    const filter = k.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    let dw = k.run('Conv2D', { x: images, filter }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [c.strideHeight, c.strideWidth] });
    // 'valid' with a stride can leave input rows no output reads: the correlation then runs past kh × kw.
    if (dw.shape[1] !== kh || dw.shape[2] !== kw) dw = k.run('Slice', { x: dw }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
    return k.run('Transpose', { x: dw }, { perm: [1, 2, 0, 3] });
  });
}

/**
 * Conv2DBackpropInput for stride 1 as a forward convolution (XNNPACK), ~9× faster than the wasm
 * backend's own loop (64×26×26×32, 3×3×32×32: 22 ms against 193 ms): dx = dy, padded by (k - 1 - pad) on each side, correlated with the kernel
 * rotated 180° and with its channel axes swapped. Strided convolutions keep the backend's kernel.
 */
function conv2DBackpropInput(original: tf.KernelConfig) {
  return ({ inputs, attrs, backend }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: object }): Info => {
    const { dy, filter } = inputs as { dy: Info; filter: Info };
    const a = attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
    const c = convInfo(a.inputShape, filter.shape, a);
    if (c.strideHeight !== 1 || c.strideWidth !== 1) return original.kernelFunc({ inputs, attrs: attrs!, backend }) as Info;
    const [kh, kw] = filter.shape as [number, number, number, number];
    const { top, bottom, left, right } = c.padInfo;
    return withKernels(backend, (k) => {
      const rotated = k.run('Reverse', { x: filter }, { dims: [0, 1] });
      const swapped = k.run('Transpose', { x: rotated }, { perm: [0, 1, 3, 2] });
      const padded = k.run(
        'PadV2',
        { x: dy },
        {
          paddings: [
            [0, 0],
            [kh - 1 - top, kh - 1 - bottom],
            [kw - 1 - left, kw - 1 - right],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      return k.run('Conv2D', { x: padded, filter: swapped }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] });
    });
  };
}

/**
 * tfjs-backend-wasm 4.22 multiplies with XNNPACK only when neither operand is transposed; with
 * transposeA or transposeB set (every matmul gradient) it takes a plain loop that is 10–25× slower
 * (784×128 · 128×512: 84 ms transposed-A against 3.4 ms for an explicit transpose and a plain multiply).
 * So the multiply transposes first: the same products, summed in XNNPACK's order.
 */
function matMulWithoutTranspose(original: tf.KernelConfig) {
  return ({ inputs, attrs, backend }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: object }): Info => {
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original.kernelFunc({ inputs, attrs: attrs!, backend }) as Info;
    return withKernels(backend, (k) => {
      const swapped = (t: Info): Info => {
        const perm = [...t.shape.keys()];
        perm.push(...perm.splice(-2).reverse());
        return k.run('Transpose', { x: t }, { perm });
      };
      const { a, b } = inputs as { a: Info; b: Info };
      return original.kernelFunc({
        inputs: { ...inputs, a: transposeA ? swapped(a) : a, b: transposeB ? swapped(b) : b },
        attrs: { ...attrs, transposeA: false, transposeB: false },
        backend,
      }) as Info;
    });
  };
}

/**
 * MaxPoolGrad of tfjs-backend-wasm 4.22 is wrong when pooling windows overlap (stride < pool size, e.g.
 * MaxPooling2D((2, 2), strides=(1, 1))): a finite-difference check of it fails by O(1). For overlapping
 * windows this version routes each window's gradient to its first maximum in row-major order (as
 * TensorFlow does) and sums where windows share an input; other pools keep the backend's kernel.
 */
function maxPoolGrad(original: tf.KernelConfig) {
  return ({ inputs, attrs, backend }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: object }): Info => {
    const { dy, input } = inputs as { dy: Info; input: Info };
    const a = attrs as unknown as {
      filterSize: [number, number] | number;
      strides: [number, number] | number;
      pad: 'valid' | 'same' | number;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    const c = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    if (c.strideHeight >= c.filterHeight && c.strideWidth >= c.filterWidth) return original.kernelFunc({ inputs, attrs: attrs!, backend }) as Info;
    const wasm = backend as tf.KernelBackend & { makeOutput(shape: number[], dtype: string): Info; typedArrayFromHeap(t: Info): Float32Array };
    const x = wasm.readSync(input.dataId) as Float32Array;
    const g = wasm.readSync(dy.dataId) as Float32Array;
    const out = wasm.makeOutput(input.shape, 'float32');
    const dx = wasm.typedArrayFromHeap(out);
    dx.fill(0);
    const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth } = c;
    const { top, left } = c.padInfo;
    for (let b = 0; b < batchSize; b++) {
      for (let oh = 0; oh < outHeight; oh++) {
        for (let ow = 0; ow < outWidth; ow++) {
          for (let k = 0; k < ch; k++) {
            let best = -1;
            let max = -Infinity;
            for (let fh = 0; fh < c.filterHeight; fh++) {
              const h = oh * c.strideHeight - top + fh;
              if (h < 0 || h >= inHeight) continue;
              for (let fw = 0; fw < c.filterWidth; fw++) {
                const w = ow * c.strideWidth - left + fw;
                if (w < 0 || w >= inWidth) continue;
                const at = ((b * inHeight + h) * inWidth + w) * ch + k;
                if (best < 0 || x[at]! > max) {
                  max = x[at]!;
                  best = at;
                }
              }
            }
            if (best >= 0) dx[best] += g[((b * outHeight + oh) * outWidth + ow) * ch + k]!;
          }
        }
      }
    }
    return out;
  };
}

let registered = false;

/** Register the kernels above on the wasm backend (once per process; call after it is initialised). */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const replace = (name: string, make: (original: tf.KernelConfig) => tf.KernelFunc) => {
    const original = tf.getKernel(name, 'wasm');
    if (!original) return;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...original, kernelFunc: make(original) });
  };
  replace('BatchMatMul', matMulWithoutTranspose);
  replace('_FusedMatMul', matMulWithoutTranspose);
  replace('Conv2DBackpropInput', conv2DBackpropInput);
  replace('MaxPoolGrad', maxPoolGrad);
  if (!tf.getKernel(CONV2D_FILTER_GRAD, 'wasm')) {
    tf.registerKernel({ kernelName: CONV2D_FILTER_GRAD, backendName: 'wasm', kernelFunc: conv2DBackpropFilter as tf.KernelFunc });
  }
}
