import { outputShapeOf, resolveArchitecture, weightSpecsOf, type ResolvedArchitecture } from '../arch/resolve.js';
import { LAYER_TYPES, type ActivationName, type Architecture, type LayerSpec } from '../arch/types.js';
import { DataFormatError, MnistSpecError, UnsupportedError } from '../errors.js';
import { shapeString, sizeOf, type F32Tensor } from '../tensor.js';
import {
  ARCHITECTURE_KEY,
  AttributeType,
  DataType,
  int64,
  onnx,
  ONNX_TO_KERAS_KERNEL,
  samePads,
  transposeTensor,
  type IAttributeProto,
  type IGraphProto,
  type IModelProto,
  type INodeProto,
  type ITensorProto,
} from './proto.js';

export interface ImportedModel {
  arch: Architecture;
  /** Keras `get_weights()` order and layout. */
  weights: F32Tensor[];
}

/**
 * Read an ONNX model of a Keras MNIST model back into an architecture and Keras-layout weights.
 *
 * The graph is the source of truth: it must be one chain of nodes from the input to the output, made of
 * the shapes keras2onnx and tf2onnx emit for Dense, Conv2D, BatchNormalization, MaxPooling2D, Flatten,
 * Reshape, Dropout and activations (MatMul+Add or Gemm, Transposes around NCHW operators, Identity).
 * Layouts are tracked through Transposes, so a Conv may sit between a pair or share one with its
 * neighbours. Our own exports also carry the architecture JSON; it is used (it keeps Dropout layers,
 * names and the functional form) only when it describes the same computation as the graph.
 *
 * Malformed bytes → DataFormatError(file, field, detail); a well-formed model outside this scope →
 * UnsupportedError naming the node and its operator.
 */
export function importOnnx(bytes: Uint8Array, fileName: string): ImportedModel {
  let model: IModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    // protobufjs throws RangeError/Error on truncated or mis-typed fields; a deep nesting overflows the stack.
    throw new DataFormatError(fileName, 'ModelProto', `not a readable ONNX protobuf: ${(e as Error).message}`);
  }
  if (!model.graph) throw new DataFormatError(fileName, 'graph', 'missing: not an ONNX model');
  const opset = model.opsetImport?.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!opset || int64(opset.version) < 1) throw new DataFormatError(fileName, 'opset_import', 'declares no ai.onnx opset');

  const matched = new GraphReader(fileName, model.graph, int64(opset.version)).read();
  const meta = model.metadataProps?.find((p) => p.key === ARCHITECTURE_KEY);
  if (!meta) return matched;
  return { arch: embeddedArchitecture(fileName, meta.value ?? '', matched.arch, model.graph.node?.length ?? 0), weights: matched.weights };
}

const ACTIVATIONS: Record<string, ActivationName> = { Relu: 'relu', Sigmoid: 'sigmoid', Tanh: 'tanh', Softmax: 'softmax' };
const HANDLED = new Set([
  'Identity',
  'Dropout',
  'Transpose',
  'Gemm',
  'MatMul',
  'Conv',
  'BatchNormalization',
  'Mul',
  'MaxPool',
  'Relu',
  'Sigmoid',
  'Tanh',
  'Softmax',
  'Flatten',
  'Reshape',
]);
const SUPPORTED_OPS = `${[...HANDLED].join(', ')}, Add (a Dense bias after MatMul, a shift after a per-channel Mul), Constant`;
const NAME = /^[A-Za-z0-9_.-]+$/;
const NCHW = [0, 3, 1, 2];
/** Tensor rank bound, batch included: the notebooks need 4; the bound keeps per-node work small on hostile files. */
const MAX_RANK = 8;

/** A layer found in the graph, with the Keras name its node or weight names suggest. */
interface Found {
  spec: LayerSpec;
  hint: string | undefined;
  weights: F32Tensor[];
}

/** The float32 closest decimal: attributes travel as float32, and 1e-3 should come back as 1e-3. */
function shortestF32(x: number): number {
  for (let p = 1; p <= 9; p++) {
    const v = Number(x.toPrecision(p));
    if (Math.fround(v) === x) return v;
  }
  return x;
}

/** Keras's `to_snake_case` of a class name: the prefix of its default layer names. */
function snakeCase(type: string): string {
  return type
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Keras's default layer names (`dense`, `conv2d_3`): the scope that names the layer in a TF name path. */
const DEFAULT_NAME = new RegExp(`^(${LAYER_TYPES.map(snakeCase).join('|')})(_\\d+)?$`);

/**
 * `sequential/dense_1/MatMul` → `dense_1`, `dropout_2/cond/Merge:0` → `dropout_2`: exporters name nodes
 * and tensors by the TF scope path, whose layer is the innermost default-looking scope, else the parent.
 */
function scopeOf(path: string | null | undefined): string | undefined {
  const scopes = (path ?? '')
    .split('/')
    .slice(0, -1)
    .filter((s) => NAME.test(s));
  return scopes.findLast((s) => DEFAULT_NAME.test(s)) ?? scopes[scopes.length - 1];
}

function nodeHint(n: INodeProto): string | undefined {
  const own = n.name ?? '';
  // keras2onnx names a layer's main node after the layer itself (`dense_1`); a bare `Relu_3` names nothing.
  const bare = NAME.test(own) && !own.startsWith(n.opType ?? '') ? own : undefined;
  return scopeOf(own) ?? bare ?? scopeOf(n.output?.[0]);
}

/** `sequential/dense_1/kernel:0` → `dense_1`: keras2onnx keeps the Keras variable names. */
function weightHint(name: string, variable: string): string | undefined {
  const m = new RegExp(`(?:^|/)([A-Za-z0-9_.-]+)/${variable}(?::\\d+)?$`).exec(name);
  return m?.[1];
}

class GraphReader {
  private readonly constants = new Map<string, ITensorProto>();
  private readonly consumers = new Map<string, INodeProto[]>();
  private readonly index = new Map<INodeProto, number>();
  private readonly visited = new Set<INodeProto>();
  private readonly found: Found[] = [];
  /** Keras shape of the current tensor, batch axis excluded. */
  private shape: number[] = [];
  /** ONNX axis i of the current tensor holds Keras axis perm[i] (axis 0 is the batch). */
  private perm: number[] = [];

  constructor(
    private readonly file: string,
    private readonly graph: IGraphProto,
    private readonly opset: number,
  ) {}

  read(): ImportedModel {
    const nodes = this.graph.node ?? [];
    for (const init of this.graph.initializer ?? []) {
      if (!init.name) throw this.bad('graph.initializer', 'an initializer has no name');
      this.constants.set(init.name, init);
    }
    nodes.forEach((n, i) => {
      this.index.set(n, i);
      if (n.opType === 'Constant' && !n.domain) this.constant(n);
    });
    for (const n of nodes) {
      if (n.opType === 'Constant' && !n.domain) continue;
      for (const input of new Set(n.input ?? [])) {
        if (!input || this.constants.has(input)) continue;
        const list = this.consumers.get(input) ?? [];
        list.push(n);
        this.consumers.set(input, list);
      }
    }
    const { name: input, shape: inputShape } = this.input();
    this.shape = [...inputShape];
    this.perm = [...Array(inputShape.length + 1).keys()];
    const outputs = this.graph.output ?? [];
    if (outputs.length !== 1 || !outputs[0]!.name) {
      throw new UnsupportedError(`${this.file}: the graph has ${outputs.length} outputs; a Keras MNIST model has one`);
    }
    this.walk(input, outputs[0]!.name);

    const offChain = nodes.find((n) => !this.visited.has(n) && !(n.opType === 'Constant' && !n.domain));
    if (offChain) throw this.unsupported(offChain, 'not on the single chain from the input to the output (only Sequential-shaped models are supported)');
    if (!this.isKerasLayout()) throw new UnsupportedError(`${this.file}: the graph output is left in a transposed (channels-first) layout`);

    const names = this.names();
    const layers = this.found.map((f, i) => ({ ...f.spec, name: names[i]! }) as LayerSpec);
    return { arch: { kind: 'sequential', inputShape, layers }, weights: this.found.flatMap((f) => f.weights) };
  }

  // ---- errors ----

  private bad(field: string, detail: string): DataFormatError {
    return new DataFormatError(this.file, field, detail);
  }
  private label(n: INodeProto): string {
    return n.name ? n.name : `#${this.index.get(n) ?? '?'}`;
  }
  private nodeField(n: INodeProto): string {
    return n.name ? `graph.node["${n.name}"]` : `graph.node[${this.index.get(n) ?? '?'}]`;
  }
  private unsupported(n: INodeProto, detail: string): UnsupportedError {
    return new UnsupportedError(`${this.file}: node "${this.label(n)}" (${n.opType || '?'}): ${detail}`);
  }

  // ---- graph structure ----

  private input(): { name: string; shape: number[] } {
    const inputs = (this.graph.input ?? []).filter((i) => !this.constants.has(i.name ?? ''));
    if (inputs.length !== 1) {
      if (inputs.length === 0) throw this.bad('graph.input', 'the graph has no input');
      throw new UnsupportedError(`${this.file}: the graph has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); a Keras MNIST model has one`);
    }
    const input = inputs[0]!;
    if (!input.name) throw this.bad('graph.input[0].name', 'empty');
    const tensor = input.type?.tensorType;
    if (!tensor || tensor.elemType !== DataType.FLOAT) {
      throw new UnsupportedError(`${this.file}: input "${input.name}" is not a float32 tensor`);
    }
    const dims = tensor.shape?.dim ?? [];
    const shape = dims.slice(1).map((d) => int64(d.dimValue));
    if (dims.length < 2 || dims.length > MAX_RANK || !shape.every((d) => Number.isSafeInteger(d) && d > 0 && d < 2 ** 31) || sizeOf(shape) >= 2 ** 31) {
      throw new UnsupportedError(`${this.file}: input "${input.name}" needs a batch axis and up to ${MAX_RANK - 1} fixed positive dimensions after it`);
    }
    return { name: input.name, shape };
  }

  private walk(input: string, output: string): void {
    let current = input;
    for (;;) {
      const users = this.consumers.get(current) ?? [];
      if (users.length === 0) {
        if (current === output) return;
        throw this.bad('graph', `tensor "${current}" feeds no node and is not the graph output "${output}"`);
      }
      if (users.length > 1 || current === output) {
        throw new UnsupportedError(
          `${this.file}: tensor "${current}" branches (read by ${users.map((u) => `"${this.label(u)}"`).join(', ')}${current === output ? ' and the graph output' : ''}): only a single chain of layers is supported`,
        );
      }
      const n = users[0]!;
      if (this.visited.has(n)) throw this.bad(this.nodeField(n), 'the graph has a cycle through this node');
      this.visited.add(n);
      current = this.step(n, current);
    }
  }

  /** The one node reading `tensor`, if there is exactly one and the tensor is not also the graph output. */
  private soleConsumer(tensor: string): INodeProto | undefined {
    const users = this.consumers.get(tensor) ?? [];
    const isOutput = this.graph.output?.[0]?.name === tensor;
    return users.length === 1 && !isOutput && !this.visited.has(users[0]!) ? users[0] : undefined;
  }

  private outputOf(n: INodeProto): string {
    const out = n.output?.[0];
    if (!out) throw this.bad(this.nodeField(n), 'has no output');
    return out;
  }

  // ---- one node ----

  private step(n: INodeProto, current: string): string {
    if ((n.domain && n.domain !== 'ai.onnx') || !HANDLED.has(n.opType ?? '')) {
      throw this.unsupported(n, `operator not supported (supported: ${SUPPORTED_OPS})`);
    }
    const inputs = n.input ?? [];
    for (const [i, name] of inputs.entries()) {
      if (name && name !== current && !this.constants.has(name)) throw this.unsupported(n, `input ${i} "${name}" is neither the layer input nor a constant`);
    }
    if (inputs[0] !== current) throw this.unsupported(n, `the layer input "${current}" is not its first input`);
    const out = this.outputOf(n);
    switch (n.opType) {
      case 'Identity':
        return out;
      case 'Dropout':
        this.dropout(n);
        return out;
      case 'Transpose':
        this.transpose(n);
        return out;
      case 'Gemm':
      case 'MatMul':
        return this.dense(n, out);
      case 'Conv':
        this.conv(n);
        return out;
      case 'BatchNormalization':
        this.batchNorm(n);
        return out;
      case 'Mul':
        return this.foldedBatchNorm(n, out);
      case 'MaxPool':
        this.maxPool(n);
        return out;
      case 'Relu':
      case 'Sigmoid':
      case 'Tanh':
      case 'Softmax':
        this.activation(n);
        return out;
      case 'Flatten':
        this.flatten(n);
        return out;
      case 'Reshape':
        this.reshape(n);
        return out;
    }
    throw this.unsupported(n, 'operator not supported');
  }

  private push(n: INodeProto, spec: LayerSpec, hint: string | undefined, weights: F32Tensor[] = []): void {
    try {
      this.shape = outputShapeOf(spec, this.shape, this.label(n));
    } catch (e) {
      if (e instanceof MnistSpecError) throw this.bad(this.nodeField(n), e.message);
      throw e;
    }
    // Only layers on channels-last data change the rank, so the layout stays the identity there.
    if (this.perm.length !== this.shape.length + 1) this.perm = [...Array(this.shape.length + 1).keys()];
    this.found.push({ spec, hint, weights });
  }

  private isKerasLayout(): boolean {
    return this.perm.every((p, i) => p === i);
  }
  private needKerasLayout(n: INodeProto): void {
    if (!this.isKerasLayout()) throw this.unsupported(n, 'runs on transposed (channels-first) data; Keras computes it on channels-last data');
  }
  private needNCHW(n: INodeProto): void {
    if (this.perm.length !== 4 || !this.perm.every((p, i) => p === NCHW[i])) {
      throw this.unsupported(n, `needs NCHW data: a Transpose with perm [0, 3, 1, 2] of the channels-last Keras tensor ${shapeString([null, ...this.shape])}`);
    }
  }

  private dropout(n: INodeProto): void {
    let rate = 0.5;
    if (this.opset < 12) rate = this.float(n, 'ratio', 0.5);
    else if (n.input?.[1]) rate = this.scalar(n, 1);
    if (!(rate >= 0 && rate < 1)) throw this.bad(this.nodeField(n), `dropout ratio ${rate} is outside [0, 1)`);
    this.push(n, { type: 'Dropout', rate: shortestF32(rate) }, nodeHint(n));
  }

  private transpose(n: INodeProto): void {
    const rank = this.perm.length;
    const p = this.ints(n, 'perm', [...Array(rank).keys()].reverse());
    const isPermutation = p.length === rank && [...p].sort((a, b) => a - b).every((v, i) => v === i);
    if (!isPermutation) throw this.bad(`${this.nodeField(n)}.perm`, `[${p.join(', ')}] is not a permutation of ${rank} axes`);
    if (p[0] !== 0) throw this.unsupported(n, 'moves the batch axis');
    const perm = this.perm;
    this.perm = p.map((i) => perm[i]!);
  }

  /** Gemm, or MatMul, each optionally followed by an Add of a per-unit constant: a Keras Dense. */
  private dense(n: INodeProto, out: string): string {
    this.needKerasLayout(n);
    const k = this.shape[this.shape.length - 1]!;
    let kernel = this.floats(n, 1);
    if (kernel.shape.length !== 2) throw this.bad(this.nodeField(n), `weight ${shapeString(kernel.shape)} is not a matrix`);
    let bias: F32Tensor | undefined;
    if (n.opType === 'Gemm') {
      if (this.shape.length !== 1) throw this.bad(this.nodeField(n), `Gemm on a rank-${this.shape.length + 1} tensor`);
      if (this.float(n, 'alpha', 1) !== 1 || this.float(n, 'beta', 1) !== 1 || this.int(n, 'transA', 0) !== 0) {
        throw this.unsupported(n, 'alpha, beta or transA other than 1, 1, 0 has no Keras Dense equivalent');
      }
      if (this.int(n, 'transB', 0) === 1) kernel = transposeTensor(kernel, [1, 0]);
      if (n.input?.[2]) bias = this.vector(n, 2, kernel.shape[1]!);
    }
    if (kernel.shape[0] !== k) throw this.bad(this.nodeField(n), `weight ${shapeString(kernel.shape)} does not take the ${k} features of its input`);
    const units = kernel.shape[1]!;
    const next = bias ? undefined : this.soleConsumer(out);
    if (next?.opType === 'Add' && !next.domain && next.input?.length === 2) {
      const other = next.input[0] === out ? 1 : 0;
      if (next.input[1 - other] === out && this.constants.has(next.input[other]!)) {
        bias = this.vector(next, other, units);
        this.visited.add(next);
        out = this.outputOf(next);
      }
    }
    const spec: LayerSpec = bias ? { type: 'Dense', units } : { type: 'Dense', units, useBias: false };
    this.push(n, spec, weightHint(n.input![1]!, 'kernel') ?? nodeHint(n), bias ? [kernel, bias] : [kernel]);
    return out;
  }

  private conv(n: INodeProto): void {
    this.needNCHW(n);
    const w = this.floats(n, 1);
    const [filters, inChannels, kh, kw] = w.shape;
    if (w.shape.length !== 4 || inChannels !== this.shape[2]) {
      throw this.bad(this.nodeField(n), `weight ${shapeString(w.shape)} is not [filters, ${this.shape[2]}, kh, kw]`);
    }
    if (this.int(n, 'group', 1) !== 1) throw this.unsupported(n, 'grouped or depthwise convolution is not a Keras Conv2D');
    if (this.ints(n, 'dilations', [1, 1]).some((d) => d !== 1)) throw this.unsupported(n, 'dilated convolution is not in scope');
    const kernelSize: [number, number] = [kh!, kw!];
    const declared = this.ints(n, 'kernel_shape', kernelSize);
    if (declared.length !== 2 || declared[0] !== kh || declared[1] !== kw) {
      throw this.bad(`${this.nodeField(n)}.kernel_shape`, `[${declared.join(', ')}] differs from the weight's ${kh}×${kw}`);
    }
    const strides = this.strides(n, [1, 1]);
    const padding = this.padding(n, kernelSize, strides);
    const weights = [transposeTensor(w, ONNX_TO_KERAS_KERNEL)];
    if (n.input?.[2]) weights.push(this.vector(n, 2, filters!));
    const spec: LayerSpec = {
      type: 'Conv2D',
      filters: filters!,
      kernelSize,
      ...(strides[0] !== 1 || strides[1] !== 1 ? { strides } : {}),
      ...(padding === 'same' ? { padding } : {}),
      ...(weights.length === 1 ? { useBias: false } : {}),
    };
    this.push(n, spec, weightHint(n.input![1]!, 'kernel') ?? nodeHint(n), weights);
  }

  private batchNorm(n: INodeProto): void {
    if (this.perm[1] !== this.shape.length) {
      throw this.unsupported(n, 'normalises an axis other than the Keras channels axis (the last, moved to axis 1)');
    }
    const c = this.shape[this.shape.length - 1]!;
    const weights = [1, 2, 3, 4].map((i) => this.vector(n, i, c));
    if (this.int(n, 'training_mode', 0) !== 0) throw this.unsupported(n, 'training_mode=1 is not an inference graph');
    const epsilon = shortestF32(this.float(n, 'epsilon', 1e-5));
    if (!(epsilon > 0 && Number.isFinite(epsilon))) throw this.bad(`${this.nodeField(n)}.epsilon`, `${epsilon} is not a positive number`);
    const momentum = this.has(n, 'momentum') ? shortestF32(this.float(n, 'momentum', 0.99)) : 0.99;
    if (!Number.isFinite(momentum)) throw this.bad(`${this.nodeField(n)}.momentum`, `${momentum} is not a number`);
    const spec: LayerSpec = {
      type: 'BatchNormalization',
      ...(momentum !== 0.99 ? { momentum } : {}),
      ...(epsilon !== 1e-3 ? { epsilon } : {}),
    };
    this.push(n, spec, weightHint(n.input![1]!, 'gamma') ?? nodeHint(n), weights);
  }

  /**
   * A per-channel Mul then a per-channel Add: an inference BatchNormalization as tf2onnx folds it
   * (scale = γ/√(σ²+ε), shift = β − μ·scale). It comes back as a Keras BatchNormalization with
   * γ = scale, β = shift, moving mean 0 and moving variance 1 − ε, so that √(variance + ε) is exactly 1 in
   * float32 (0.999f + 0.001f rounds to 1) and the layer computes x·scale + shift, as the graph does.
   */
  private foldedBatchNorm(n: INodeProto, out: string): string {
    const c = this.shape[this.shape.length - 1]!;
    const scale = this.channelConstant(n, 1, c);
    const add = this.soleConsumer(out);
    const other = add?.input?.[0] === out ? 1 : 0;
    if (!add || add.opType !== 'Add' || add.domain || add.input?.length !== 2 || add.input[1 - other] !== out || !this.constants.has(add.input[other]!)) {
      throw this.unsupported(
        n,
        'a Mul is imported only as the scale of a folded batch normalization: a per-channel constant Mul followed by a per-channel constant Add',
      );
    }
    const shift = this.channelConstant(add, other, c);
    this.visited.add(add);
    const epsilon = 1e-3;
    const variance = new Float32Array(c).fill(1 - epsilon);
    this.push(n, { type: 'BatchNormalization' }, nodeHint(n), [scale, shift, { shape: [c], data: new Float32Array(c) }, { shape: [c], data: variance }]);
    return this.outputOf(add);
  }

  /** A constant that broadcasts along the Keras channels axis only (wherever the layout has put it): c values, or one for all. */
  private channelConstant(n: INodeProto, input: number, c: number): F32Tensor {
    const t = this.floats(n, input);
    const rank = this.perm.length;
    const axis = this.perm.indexOf(this.shape.length);
    const ok = t.shape.length <= rank && t.shape.every((d, j) => d === 1 || (rank - t.shape.length + j === axis && d === c));
    if (!ok) throw this.bad(this.nodeField(n), `input ${input} has shape ${shapeString(t.shape)}; needs one value per channel (${c}) along axis ${axis}`);
    return { shape: [c], data: t.data.length === c ? t.data : new Float32Array(c).fill(t.data[0]!) };
  }

  private maxPool(n: INodeProto): void {
    this.needNCHW(n);
    if (!this.has(n, 'kernel_shape')) throw this.bad(`${this.nodeField(n)}.kernel_shape`, 'missing');
    const poolSize = this.pair(n, 'kernel_shape', [1, 1]);
    const strides = this.strides(n, [1, 1]);
    if (this.ints(n, 'dilations', [1, 1]).some((d) => d !== 1)) throw this.unsupported(n, 'dilated pooling is not in scope');
    if (this.int(n, 'ceil_mode', 0) !== 0) throw this.unsupported(n, 'ceil_mode=1 has no Keras equivalent');
    const padding = this.padding(n, poolSize, strides);
    const spec: LayerSpec = {
      type: 'MaxPooling2D',
      poolSize,
      ...(strides[0] !== poolSize[0] || strides[1] !== poolSize[1] ? { strides } : {}),
      ...(padding === 'same' ? { padding } : {}),
    };
    this.push(n, spec, nodeHint(n));
  }

  private activation(n: INodeProto): void {
    const activation = ACTIVATIONS[n.opType!]!;
    if (activation === 'softmax') {
      const rank = this.perm.length;
      const axis = this.int(n, 'axis', this.opset >= 13 ? -1 : 1);
      const norm = axis < 0 ? axis + rank : axis;
      if (norm < 0 || norm >= rank) throw this.bad(`${this.nodeField(n)}.axis`, `${axis} is outside a rank-${rank} tensor`);
      // Before opset 13 Softmax flattens everything from `axis` on, which is per-row only on the last axis.
      const perRow = this.opset >= 13 || norm === rank - 1;
      if (!perRow || this.perm[norm] !== this.shape.length) throw this.unsupported(n, 'normalises over an axis other than the Keras last axis');
    }
    const hint = nodeHint(n);
    const last = this.found[this.found.length - 1];
    const fusable = last && (last.spec.type === 'Dense' || last.spec.type === 'Conv2D') && !last.spec.activation;
    if (fusable && hint !== undefined && hint === last.hint) {
      (last.spec as { activation?: ActivationName }).activation = activation;
      return;
    }
    this.push(n, { type: 'Activation', activation }, hint);
  }

  private flatten(n: INodeProto): void {
    this.needKerasLayout(n);
    const axis = this.int(n, 'axis', 1);
    if (axis !== 1 && axis !== 1 - this.perm.length) throw this.unsupported(n, `flattens from axis ${axis}; a Keras Flatten keeps only the batch axis`);
    this.push(n, { type: 'Flatten' }, nodeHint(n));
  }

  private reshape(n: INodeProto): void {
    this.needKerasLayout(n);
    const target = this.int64s(n, 1);
    if (target.length > MAX_RANK) throw this.unsupported(n, `reshapes to rank ${target.length}; at most ${MAX_RANK} is supported`);
    const allowZero = this.int(n, 'allowzero', 0) === 1;
    // ONNX: 0 copies the input's dimension (unless allowzero), -1 is inferred; index 0 is the batch axis.
    const dims = target.map((d, i) => (d === 0 && !allowZero && i <= this.shape.length ? (i === 0 ? 0 : this.shape[i - 1]!) : d));
    if (dims.some((d) => d < -1) || dims.filter((d) => d === -1).length > 1) {
      throw this.bad(this.nodeField(n), `shape [${target.join(', ')}] is not a valid Reshape target`);
    }
    if (dims[0] !== 0 && dims[0] !== -1) throw this.unsupported(n, `reshapes the batch axis (shape [${target.join(', ')}])`);
    const rest = dims.slice(1);
    if (dims[0] === -1 && rest.includes(-1)) throw this.bad(this.nodeField(n), `shape [${target.join(', ')}] has two -1`);
    let shape: number[];
    try {
      shape = outputShapeOf({ type: 'Reshape', targetShape: rest }, this.shape, this.label(n));
    } catch (e) {
      if (e instanceof MnistSpecError) throw this.bad(this.nodeField(n), e.message);
      throw e;
    }
    const hint = nodeHint(n);
    if (shape.length === 1) this.push(n, { type: 'Flatten' }, hint);
    else if (shape.length !== this.shape.length || shape.some((d, i) => d !== this.shape[i])) this.push(n, { type: 'Reshape', targetShape: shape }, hint);
  }

  /** Keras 'valid' (no padding) or 'same' (TF's, the odd pixel at the end); anything else is not Keras. */
  private padding(n: INodeProto, kernel: [number, number], strides: [number, number]): 'valid' | 'same' {
    const size = this.shape.slice(0, 2);
    const same = samePads(size, kernel, strides);
    const autoPad = this.string(n, 'auto_pad', 'NOTSET');
    let pads: number[];
    if (autoPad === 'VALID') return 'valid';
    if (autoPad === 'SAME_UPPER') return 'same';
    if (autoPad === 'SAME_LOWER') pads = [same[2]!, same[3]!, same[0]!, same[1]!];
    else if (autoPad === 'NOTSET') pads = this.ints(n, 'pads', [0, 0, 0, 0]);
    else throw this.bad(`${this.nodeField(n)}.auto_pad`, `unknown value "${autoPad}"`);
    if (pads.length !== 4) throw this.bad(`${this.nodeField(n)}.pads`, `needs 4 values, got ${pads.length}`);
    if (pads.every((p) => p === 0)) return 'valid';
    if (pads.every((p, i) => p === same[i])) return 'same';
    throw this.unsupported(n, `pads [${pads.join(', ')}] are neither Keras 'valid' nor 'same' padding`);
  }

  private strides(n: INodeProto, fallback: [number, number]): [number, number] {
    return this.pair(n, 'strides', fallback);
  }

  private pair(n: INodeProto, name: string, fallback: [number, number]): [number, number] {
    const v = this.ints(n, name, fallback);
    if (v.length !== 2 || !v.every((x) => x >= 1 && x < 2 ** 31)) throw this.bad(`${this.nodeField(n)}.${name}`, `[${v.join(', ')}] is not two positive sizes`);
    return [v[0]!, v[1]!];
  }

  // ---- attributes ----

  private attribute(n: INodeProto, name: string, type: number): IAttributeProto | undefined {
    const a = n.attribute?.find((x) => x.name === name);
    if (a && a.type !== type) {
      throw this.bad(`${this.nodeField(n)}.${name}`, `expected a ${AttributeType[type]} attribute, got ${AttributeType[a.type ?? 0] ?? a.type}`);
    }
    return a;
  }
  private has(n: INodeProto, name: string): boolean {
    return !!n.attribute?.some((x) => x.name === name);
  }
  private int(n: INodeProto, name: string, fallback: number): number {
    const a = this.attribute(n, name, AttributeType.INT);
    return a ? int64(a.i) : fallback;
  }
  private ints(n: INodeProto, name: string, fallback: readonly number[]): number[] {
    const a = this.attribute(n, name, AttributeType.INTS);
    return a ? (a.ints ?? []).map(int64) : [...fallback];
  }
  private float(n: INodeProto, name: string, fallback: number): number {
    const a = this.attribute(n, name, AttributeType.FLOAT);
    return a ? (a.f ?? 0) : fallback;
  }
  private string(n: INodeProto, name: string, fallback: string): string {
    const a = this.attribute(n, name, AttributeType.STRING);
    return a ? new TextDecoder().decode(a.s ?? new Uint8Array()) : fallback;
  }

  // ---- constants ----

  private constant(n: INodeProto): void {
    const out = n.output?.[0];
    if (!out) throw this.bad(this.nodeField(n), 'a Constant without an output');
    const a = n.attribute?.[0];
    let t: ITensorProto;
    if (a?.name === 'value' && a.type === AttributeType.TENSOR && a.t) t = { ...a.t };
    else if (a?.name === 'value_ints' && a.type === AttributeType.INTS) t = { dims: [a.ints?.length ?? 0], dataType: DataType.INT64, int64Data: a.ints ?? [] };
    else if (a?.name === 'value_float' && a.type === AttributeType.FLOAT) t = { dims: [], dataType: DataType.FLOAT, floatData: [a.f ?? 0] };
    else if (a?.name === 'value_floats' && a.type === AttributeType.FLOATS)
      t = { dims: [a.floats?.length ?? 0], dataType: DataType.FLOAT, floatData: a.floats ?? [] };
    else throw this.unsupported(n, `constant attribute "${a?.name ?? ''}" is not supported`);
    this.constants.set(out, { ...t, name: out });
  }

  private tensor(n: INodeProto, input: number): { t: ITensorProto; field: string; dims: number[]; size: number } {
    const name = n.input?.[input];
    const t = name ? this.constants.get(name) : undefined;
    if (!name || !t) throw this.unsupported(n, `input ${input} must be a constant`);
    const field = `tensor "${name}"`;
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)
      throw new UnsupportedError(`${this.file}: tensor "${name}" keeps its data in an external file`);
    const dims = (t.dims ?? []).map(int64);
    if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0 && d < 2 ** 31)) throw this.bad(`${field}.dims`, `[${dims.join(', ')}] are not sizes`);
    const size = sizeOf(dims);
    if (size >= 2 ** 31) throw this.bad(`${field}.dims`, `[${dims.join(', ')}] is too large`);
    return { t, field, dims, size };
  }

  /** A float32 constant from raw_data (little-endian) or float_data. */
  private floats(n: INodeProto, input: number): F32Tensor {
    const { t, field, dims, size } = this.tensor(n, input);
    if (t.dataType !== DataType.FLOAT) {
      throw new UnsupportedError(`${this.file}: tensor "${t.name}" is ${DataType[t.dataType ?? 0] ?? t.dataType}; only float32 weights are supported`);
    }
    const data = new Float32Array(size);
    const raw = t.rawData;
    if (raw && raw.length > 0) {
      if (raw.length !== size * 4) throw this.bad(`${field}.raw_data`, `${raw.length} bytes for dims [${dims.join(', ')}], which need ${size * 4}`);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      for (let i = 0; i < size; i++) data[i] = view.getFloat32(i * 4, true);
    } else {
      const values = t.floatData ?? [];
      if (values.length !== size) throw this.bad(`${field}.float_data`, `${values.length} values for dims [${dims.join(', ')}], which need ${size}`);
      data.set(values);
    }
    return { shape: dims, data };
  }

  private vector(n: INodeProto, input: number, length: number): F32Tensor {
    const t = this.floats(n, input);
    if (t.data.length !== length || t.shape.filter((d) => d !== 1).length > 1) {
      throw this.bad(this.nodeField(n), `input ${input} has shape ${shapeString(t.shape)}; needs ${length} values, one per channel or unit`);
    }
    return { shape: [length], data: t.data };
  }

  private scalar(n: INodeProto, input: number): number {
    const t = this.floats(n, input);
    if (t.data.length !== 1) throw this.bad(this.nodeField(n), `input ${input} has shape ${shapeString(t.shape)}; needs a scalar`);
    return t.data[0]!;
  }

  private int64s(n: INodeProto, input: number): number[] {
    const { t, field, dims, size } = this.tensor(n, input);
    if (t.dataType !== DataType.INT64 || dims.length !== 1) throw this.bad(field, 'a Reshape shape must be a 1-D int64 tensor');
    const raw = t.rawData;
    let values: number[];
    if (raw && raw.length > 0) {
      if (raw.length !== size * 8) throw this.bad(`${field}.raw_data`, `${raw.length} bytes for ${size} int64 values`);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      values = Array.from({ length: size }, (_, i) => Number(view.getBigInt64(i * 8, true)));
    } else {
      values = (t.int64Data ?? []).map(int64);
      if (values.length !== size) throw this.bad(`${field}.int64_data`, `${values.length} values for dims [${dims.join(', ')}]`);
    }
    if (!values.every(Number.isSafeInteger)) throw this.bad(field, 'values out of range');
    return values;
  }

  // ---- names ----

  /** The suggested names where usable and unique; Keras default names (`dense_3`) for the rest. */
  private names(): string[] {
    const taken = new Set<string>();
    const names = this.found.map((f) => (f.hint !== undefined && !taken.has(f.hint) ? (taken.add(f.hint), f.hint) : undefined));
    const counters = new Map<string, number>();
    return names.map((name, i) => {
      if (name !== undefined) return name;
      const prefix = snakeCase(this.found[i]!.spec.type);
      let k = counters.get(prefix) ?? 0;
      do k++;
      while (taken.has(`${prefix}_${k}`));
      counters.set(prefix, k);
      taken.add(`${prefix}_${k}`);
      return `${prefix}_${k}`;
    });
  }
}

/**
 * What a model computes, layer by layer, in the terms ONNX keeps: no Dropout, no linear activations, no
 * no-op reshapes, padding as pad widths. Two architectures with the same signature take the same weights
 * and compute the same function.
 */
function signatureOf(r: ResolvedArchitecture): string[] {
  const sig = [`input ${shapeString(r.inputShape)}`];
  const act = (a: ActivationName | undefined): void => {
    if (a && a !== 'linear') sig.push(a);
  };
  for (const l of r.layers) {
    const weights = weightSpecsOf(l, l.inputShape)
      .map((w) => shapeString(w.shape))
      .join(' ');
    switch (l.type) {
      case 'Dense':
        sig.push(`Dense ${weights}`);
        act(l.activation);
        break;
      case 'Conv2D': {
        const s = l.strides ?? [1, 1];
        const pads = l.padding === 'same' ? samePads(l.inputShape.slice(0, 2), l.kernelSize, s) : [0, 0, 0, 0];
        sig.push(`Conv2D ${weights} strides ${s} pads ${pads}`);
        act(l.activation);
        break;
      }
      case 'MaxPooling2D': {
        const s = l.strides ?? l.poolSize;
        const pads = l.padding === 'same' ? samePads(l.inputShape.slice(0, 2), l.poolSize, s) : [0, 0, 0, 0];
        sig.push(`MaxPooling2D ${l.poolSize} strides ${s} pads ${pads}`);
        break;
      }
      case 'BatchNormalization':
        sig.push(`BatchNormalization ${weights} epsilon ${Math.fround(l.epsilon ?? 1e-3)}`);
        break;
      case 'Activation':
        act(l.activation);
        break;
      case 'Flatten':
      case 'Reshape':
        if (shapeString(l.outputShape) !== shapeString(l.inputShape)) sig.push(`reshape ${shapeString(l.outputShape)}`);
        break;
      case 'Dropout':
        break;
    }
  }
  return sig;
}

/** The architecture JSON our exports embed, accepted only if it describes what the graph computes. */
function embeddedArchitecture(file: string, json: string, fromGraph: Architecture, nodes: number): Architecture {
  const field = `metadata_props["${ARCHITECTURE_KEY}"]`;
  let arch: Architecture;
  let sig: string[];
  try {
    arch = JSON.parse(json) as Architecture;
    if (arch === null || typeof arch !== 'object' || (arch.kind !== 'sequential' && arch.kind !== 'functional')) throw new Error('not an architecture');
    // Layers without nodes (Dropout, linear activations) are few in any real model; a hostile list is not resolved.
    if (!Array.isArray(arch.layers) || arch.layers.length > 4 * nodes + 16)
      throw new Error(`lists ${arch.layers?.length} layers for a graph of ${nodes} nodes`);
    const resolved = resolveArchitecture(arch);
    for (const l of resolved.layers) {
      if (typeof l.name !== 'string') throw new Error('a layer name is not a string');
      if (l.type === 'Dropout' && !(l.rate >= 0 && l.rate < 1)) throw new Error(`layer ${l.name}: dropout rate ${l.rate} is outside [0, 1)`);
      if (l.type === 'BatchNormalization' && l.momentum !== undefined && typeof l.momentum !== 'number')
        throw new Error(`layer ${l.name}: momentum is not a number`);
    }
    sig = signatureOf(resolved);
  } catch (e) {
    // Untrusted JSON went into code written for typed architectures: any failure means the field is bad.
    throw new DataFormatError(file, field, (e as Error).message);
  }
  const graphSig = signatureOf(resolveArchitecture(fromGraph));
  const i = sig.findIndex((s, k) => s !== graphSig[k]);
  if (i >= 0 || sig.length !== graphSig.length) {
    const k = i >= 0 ? i : Math.min(sig.length, graphSig.length);
    throw new DataFormatError(
      file,
      field,
      `describes a different model than the graph: "${sig[k] ?? '(end)'}" where the graph has "${graphSig[k] ?? '(end)'}"`,
    );
  }
  return arch;
}
