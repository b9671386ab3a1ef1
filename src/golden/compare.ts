import '../util/no-telemetry.js';
import * as ort from 'onnxruntime-node';
import { sizeOf, sliceRows, type F32Tensor } from '../tensor.js';
import type { Closeness } from './manifest.js';

export interface Comparison {
  /** max |actual − expected| */
  maxAbs: number;
  /** Elements outside numpy.allclose(rtol, atol), and the worst one. */
  outside: number;
  worst?: { index: number; actual: number; expected: number };
}

/** Elementwise numpy.allclose(actual, expected, rtol, atol), with what it measured. */
export function compareClose(actual: Float32Array, expected: Float32Array, tol: Pick<Closeness, 'rtol' | 'atol'>): Comparison {
  if (actual.length !== expected.length) throw new RangeError(`compare: ${actual.length} values against ${expected.length}`);
  let maxAbs = 0;
  let outside = 0;
  let worstExcess = -Infinity;
  let worst: Comparison['worst'];
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? NaN : Math.max(maxAbs, d);
    const excess = d - (tol.atol + tol.rtol * Math.abs(expected[i]!));
    if (!(excess <= 0)) {
      outside++;
      if (!(excess <= worstExcess)) {
        worstExcess = Number.isNaN(excess) ? Infinity : excess;
        worst = { index: i, actual: actual[i]!, expected: expected[i]! };
      }
    }
  }
  return { maxAbs, outside, ...(worst ? { worst } : {}) };
}

export interface ArgmaxAgreement {
  /** Rows whose predicted class differs from the expected one although the expected top-two margin is ≥ minMargin. */
  disagreements: { row: number; actual: number; expected: number; margin: number }[];
  /** Rows exempt because the expected top-two margin is below minMargin (a near tie). */
  exempt: number;
}

/** Row-wise argmax agreement of [n, k] probabilities, near ties (margin < minMargin) exempt. */
export function compareArgmax(actual: Float32Array, expected: Float32Array, k: number, minMargin: number): ArgmaxAgreement {
  const disagreements: ArgmaxAgreement['disagreements'] = [];
  let exempt = 0;
  for (let off = 0, row = 0; off < expected.length; off += k, row++) {
    let best = 0;
    let second = -Infinity;
    let got = 0;
    for (let j = 1; j < k; j++) {
      if (expected[off + j]! > expected[off + best]!) best = j;
      if (actual[off + j]! > actual[off + got]!) got = j;
    }
    for (let j = 0; j < k; j++) if (j !== best) second = Math.max(second, expected[off + j]!);
    const margin = expected[off + best]! - second;
    if (margin < minMargin) exempt++;
    else if (got !== best) disagreements.push({ row, actual: got, expected: best, margin });
  }
  return { disagreements, exempt };
}

/** Run an ONNX model on onnxruntime's CPU provider (default session options), `batchSize` rows at a time. */
export async function runOnnx(model: Uint8Array, inputName: string, outputName: string, x: F32Tensor, batchSize = x.shape[0]!): Promise<F32Tensor> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  try {
    const n = x.shape[0]!;
    let out: Float32Array | undefined;
    let rowShape: number[] = [];
    for (let start = 0; start < n; start += batchSize) {
      const rows = sliceRows(x, start, Math.min(n, start + batchSize));
      const result = (await session.run({ [inputName]: new ort.Tensor('float32', rows.data, rows.shape) }))[outputName]!;
      rowShape = result.dims.slice(1).map(Number);
      out ??= new Float32Array(n * sizeOf(rowShape));
      out.set(result.data as Float32Array, start * sizeOf(rowShape));
      result.dispose();
    }
    return { shape: [n, ...rowShape], data: out ?? new Float32Array(0) };
  } finally {
    await session.release();
  }
}

/** onnxruntime-node's version, for the record of what computed the stored outputs. */
export const ORT_VERSION: string = ort.env.versions.node ?? ort.env.versions.common;
