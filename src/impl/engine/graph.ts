import onnxProto from 'onnx-proto';

/**
 * A small ONNX graph builder for the engine's own graphs (training steps and inference). Values are
 * named by strings; every op returns the name of its (first) output. Constants are float32 scalars or
 * int64 vectors, shared by value. Opset 18: Reduce* take their axes as an input, Pad takes pads as one.
 */
const { onnx } = onnxProto;
type INodeProto = onnxProto.onnx.INodeProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;

export const OPSET = 18;
/** ONNX 1.13 introduced opset 18 with IR version 8. */
const IR_VERSION = 8;

export type Value = string;
/** A dimension: a size, or a symbolic name (the batch axis). */
export type Dim = number | string;

/** Attribute values: integers and integer lists are INT/INTS; wrap floats with `float()`. */
export class FloatAttr {
  constructor(readonly value: number) {}
}
export const float = (v: number): FloatAttr => new FloatAttr(v);
export type AttrValue = number | readonly number[] | FloatAttr | string;

const AT = onnx.AttributeProto.AttributeType;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

function attribute(name: string, v: AttrValue): IAttributeProto {
  if (v instanceof FloatAttr) return { name, type: AT.FLOAT, f: v.value };
  if (typeof v === 'string') return { name, type: AT.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new TypeError(`attribute ${name}: ${v} is not an integer (wrap floats with float())`);
    return { name, type: AT.INT, i: v };
  }
  return { name, type: AT.INTS, ints: [...v] };
}

function valueInfo(name: string, shape: readonly Dim[], elemType: number = FLOAT): IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}

export class Graph {
  private readonly nodes: INodeProto[] = [];
  private readonly inputs: IValueInfoProto[] = [];
  private readonly outputs: IValueInfoProto[] = [];
  private readonly initializers: ITensorProto[] = [];
  private readonly constants = new Map<string, Value>();
  private counter = 0;
  /** Prefix of the node names emitted now (`layer/forward/`): onnxruntime's profile names nodes by it. */
  scope = '';

  constructor(private readonly name: string) {}

  private fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  input(name: string, shape: readonly Dim[]): Value {
    this.inputs.push(valueInfo(name, shape));
    return name;
  }

  /** Declare `value` a graph output. It must have been produced under that name (op's `out`). */
  output(name: Value, shape: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, shape));
  }

  /** A float32 scalar constant (shape []). */
  scalar(v: number): Value {
    const key = `f:${Math.fround(v)}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.fresh('const');
      this.initializers.push({ name, dims: [], dataType: FLOAT, floatData: [v] });
      this.constants.set(key, name);
    }
    return name;
  }

  /** An int64 vector constant (axes, shapes, pads, slice bounds). */
  ints(v: readonly number[]): Value {
    const key = `i:${v.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.fresh('ints');
      this.initializers.push({ name, dims: [v.length], dataType: INT64, int64Data: [...v] });
      this.constants.set(key, name);
    }
    return name;
  }

  /** A float32 constant tensor (weights frozen into an inference graph). */
  tensor(name: string, shape: readonly number[], data: Float32Array): Value {
    this.initializers.push({ name, dims: [...shape], dataType: FLOAT, rawData: littleEndian(data) });
    return name;
  }

  /** One node; returns its output's name (`out` when given, so it can be a graph output). */
  op(type: string, inputs: readonly Value[], attrs: Record<string, AttrValue> = {}, out?: string): Value {
    return this.opN(type, inputs, 1, attrs, out ? [out] : undefined)[0]!;
  }

  /** A node with several outputs. */
  opN(type: string, inputs: readonly Value[], n: number, attrs: Record<string, AttrValue> = {}, outs?: string[]): Value[] {
    const output = outs ?? Array.from({ length: n }, () => this.fresh(type.toLowerCase()));
    this.nodes.push({
      opType: type,
      name: this.fresh(`${this.scope}${type}`),
      input: [...inputs],
      output,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  encode(): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: 'mnist-spec engine',
      graph: { name: this.name, node: this.nodes, input: this.inputs, output: this.outputs, initializer: this.initializers },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  /** Number of nodes (for info and tests). */
  get size(): number {
    return this.nodes.length;
  }
}

/** raw_data is little-endian float32 by the ONNX spec, whatever the host. */
const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;

function littleEndian(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return out;
}

export { INT64 as INT64_TYPE };
