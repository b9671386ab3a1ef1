import onnxProto from 'onnx-proto';
import type { F32Tensor } from '../tensor.js';

/**
 * The ONNX protobuf schema (onnx-proto: protobufjs static code generated from onnx.proto, ONNX 1.10) and
 * the few conversions both directions need. Everything ONNX-specific about tensors lives here.
 */
export const { onnx } = onnxProto;
export type IModelProto = onnxProto.onnx.IModelProto;
export type IGraphProto = onnxProto.onnx.IGraphProto;
export type INodeProto = onnxProto.onnx.INodeProto;
export type ITensorProto = onnxProto.onnx.ITensorProto;
export type IAttributeProto = onnxProto.onnx.IAttributeProto;
export type IValueInfoProto = onnxProto.onnx.IValueInfoProto;

export const DataType = onnx.TensorProto.DataType;
export const AttributeType = onnx.AttributeProto.AttributeType;

/** Where the architecture JSON travels in our exports, so they import back exactly. */
export const ARCHITECTURE_KEY = 'mnist_spec.architecture';

/** int64 fields decode as Long objects (protobufjs with the `long` package) or numbers. */
export type Int64 = number | { toNumber(): number };
export const int64 = (v: Int64 | null | undefined): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());

/** Little-endian float32 raw_data, the layout the ONNX spec fixes for raw_data whatever the host. */
export function floatTensorProto(name: string, shape: readonly number[], data: Float32Array): ITensorProto {
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return { name, dims: [...shape], dataType: DataType.FLOAT, rawData: raw };
}

export function int64TensorProto(name: string, values: readonly number[]): ITensorProto {
  return { name, dims: [values.length], dataType: DataType.INT64, int64Data: [...values] };
}

/** Attribute constructors: the wire type is the attribute's, not guessed from its value. */
export const attr = {
  int: (name: string, i: number): IAttributeProto => ({ name, type: AttributeType.INT, i }),
  ints: (name: string, ints: readonly number[]): IAttributeProto => ({ name, type: AttributeType.INTS, ints: [...ints] }),
  float: (name: string, f: number): IAttributeProto => ({ name, type: AttributeType.FLOAT, f }),
};

export function node(opType: string, name: string, input: string[], output: string[], attribute: IAttributeProto[] = []): INodeProto {
  return { opType, name, input, output, attribute };
}

/** A float32 tensor's value info with a symbolic batch axis. */
export function floatValueInfo(name: string, batch: string, shape: readonly number[]): IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: batch }, ...shape.map((d) => ({ dimValue: d }))] } } },
  };
}

/** Permute the axes of a row-major tensor: out.shape[i] = shape[perm[i]]. */
export function transposeTensor(t: F32Tensor, perm: readonly number[]): F32Tensor {
  const rank = t.shape.length;
  const shape = perm.map((p) => t.shape[p]!);
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= t.shape[i]!;
  }
  const strides = perm.map((p) => inStrides[p]!);
  const out = new Float32Array(t.data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += idx[i]! * strides[i]!;
    out[o] = t.data[src]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i]! < shape[i]!) break;
      idx[i] = 0;
    }
  }
  return { shape, data: out };
}

/** Keras Conv2D kernel [kh, kw, in, out] ↔ ONNX Conv weight [out, in, kh, kw]. */
export const KERAS_TO_ONNX_KERNEL = [3, 2, 0, 1] as const;
export const ONNX_TO_KERAS_KERNEL = [2, 3, 1, 0] as const;

/** Keras/TF 'same' padding: out = ceil(in / s), the odd pixel of padding goes at the end (ONNX SAME_UPPER). */
export function samePads(input: readonly number[], kernel: readonly number[], strides: readonly number[]): number[] {
  const begin: number[] = [];
  const end: number[] = [];
  input.forEach((size, i) => {
    const out = Math.ceil(size / strides[i]!);
    const total = Math.max((out - 1) * strides[i]! + kernel[i]! - size, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  return [...begin, ...end];
}

/**
 * The ONNX release that introduced each opset we emit, as its IR version (onnx/helper.py VERSION_TABLE):
 * a model must declare at least the IR version of its opset.
 */
export const IR_VERSION_OF_OPSET: Readonly<Record<number, number>> = {
  13: 7,
  14: 7,
  15: 8,
  16: 8,
  17: 8,
  18: 8,
  19: 9,
  20: 9,
  21: 10,
  22: 10,
};
