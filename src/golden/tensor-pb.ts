import { DataFormatError } from '../errors.js';
import { floatTensorProto, int64, onnx, DataType } from '../onnx/proto.js';
import { sizeOf, type F32Tensor } from '../tensor.js';

/**
 * One float32 tensor as a serialized onnx.TensorProto: the `input_0.pb` / `output_0.pb` files of the ONNX
 * backend-test layout (onnx.numpy_helper.to_array and onnxruntime's onnx_test_runner read them).
 */
export function encodeTensorPb(name: string, t: F32Tensor): Uint8Array {
  return new Uint8Array(onnx.TensorProto.encode(floatTensorProto(name, t.shape, t.data)).finish());
}

/** A serialized float32 TensorProto (raw_data or float_data), or a DataFormatError naming the file and field. */
export function decodeTensorPb(bytes: Uint8Array, file: string): { name: string; tensor: F32Tensor } {
  let t;
  try {
    t = onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw new DataFormatError(file, 'TensorProto', `not a readable ONNX TensorProto: ${(e as Error).message}`);
  }
  if (t.dataType !== DataType.FLOAT) throw new DataFormatError(file, 'data_type', `is ${DataType[t.dataType] ?? t.dataType}; expected FLOAT`);
  const shape = (t.dims ?? []).map(int64);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new DataFormatError(file, 'dims', `[${shape.join(', ')}] are not sizes`);
  const size = sizeOf(shape);
  const data = new Float32Array(size);
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    if (raw.length !== size * 4) throw new DataFormatError(file, 'raw_data', `${raw.length} bytes for dims [${shape.join(', ')}], which need ${size * 4}`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < size; i++) data[i] = view.getFloat32(i * 4, true);
  } else {
    if ((t.floatData ?? []).length !== size) throw new DataFormatError(file, 'float_data', `${t.floatData?.length ?? 0} values for dims [${shape.join(', ')}]`);
    data.set(t.floatData);
  }
  return { name: t.name ?? '', tensor: { shape, data } };
}
