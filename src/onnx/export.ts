import { checkWeights, resolveArchitecture, weightSpecsOf, type ResolvedLayer } from '../arch/resolve.js';
import type { ActivationName, Architecture } from '../arch/types.js';
import { ArgumentError } from '../errors.js';
import type { F32Tensor } from '../tensor.js';
import { VERSION } from '../version.js';
import {
  ARCHITECTURE_KEY,
  attr,
  floatTensorProto,
  floatValueInfo,
  int64TensorProto,
  IR_VERSION_OF_OPSET,
  KERAS_TO_ONNX_KERNEL,
  node,
  onnx,
  samePads,
  transposeTensor,
  type IAttributeProto,
  type INodeProto,
  type ITensorProto,
} from './proto.js';

export interface ExportOptions {
  /** ai.onnx opset, 13 to 22 (13 is where Softmax normalises along one axis, as Keras does). Default 17. */
  opset?: number;
  producerName?: string;
  producerVersion?: string;
  /** Store the architecture JSON in metadata_props (default true), so our own exports import back exactly. */
  embedArchitecture?: boolean;
}

export const DEFAULT_OPSET = 17;
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'probabilities';
/** The symbolic batch axis of the input and output. */
export const BATCH_DIM = 'N';

const ACTIVATION_OP: Record<Exclude<ActivationName, 'linear'>, string> = {
  relu: 'Relu',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  softmax: 'Softmax',
};

/** NHWC → NCHW for a rank-(r+1) tensor whose Keras shape has rank r: channels (the last axis) to axis 1. */
const channelsFirst = (r: number): number[] => [0, r, ...Array.from({ length: r - 1 }, (_, i) => i + 1)];
/** The inverse of channelsFirst. */
const channelsLast = (r: number): number[] => [0, ...Array.from({ length: r - 1 }, (_, i) => i + 2), 1];

/** Accumulates one layer's nodes at a time; every node and initializer is prefixed with its Keras layer name. */
class GraphBuilder {
  readonly nodes: INodeProto[] = [];
  readonly initializers: ITensorProto[] = [];
  current = INPUT_NAME;

  /** Append a node reading the current tensor (plus `extra` inputs); its output becomes the current tensor. */
  op(layer: string, opType: string, extra: string[] = [], attributes: IAttributeProto[] = [], suffix = opType): void {
    const name = `${layer}/${suffix}`;
    const output = `${name}:0`;
    this.nodes.push(node(opType, name, [this.current, ...extra], [output], attributes));
    this.current = output;
  }

  weight(layer: string, variable: string, t: F32Tensor): string {
    const name = `${layer}/${variable}:0`;
    this.initializers.push(floatTensorProto(name, t.shape, t.data));
    return name;
  }

  activation(layer: string, a: ActivationName | undefined): void {
    if (!a || a === 'linear') return;
    this.op(layer, ACTIVATION_OP[a], [], a === 'softmax' ? [attr.int('axis', -1)] : []);
  }

  /** Run `body` on channels-first data: ONNX Conv, MaxPool and BatchNormalization take NCHW, Keras holds NHWC. */
  channelsFirst(layer: ResolvedLayer, body: () => void): void {
    const r = layer.inputShape.length;
    this.op(layer.name, 'Transpose', [], [attr.ints('perm', channelsFirst(r))], 'transpose_nchw');
    body();
    this.op(layer.name, 'Transpose', [], [attr.ints('perm', channelsLast(r))], 'transpose_nhwc');
  }
}

function emitLayer(g: GraphBuilder, layer: ResolvedLayer, w: readonly F32Tensor[]): void {
  const name = layer.name;
  switch (layer.type) {
    case 'Dense': {
      const inputs = [g.weight(name, 'kernel', w[0]!)];
      const bias = w[1] ? g.weight(name, 'bias', w[1]) : undefined;
      if (layer.inputShape.length === 1) {
        // Gemm's B is [K, N] without transB: exactly the Keras kernel layout.
        g.op(name, 'Gemm', bias ? [...inputs, bias] : inputs);
      } else {
        // Keras Dense on rank > 2 contracts the last axis, which is MatMul's broadcasting rule.
        g.op(name, 'MatMul', inputs);
        if (bias) g.op(name, 'Add', [bias], [], 'BiasAdd');
      }
      g.activation(name, layer.activation);
      return;
    }
    case 'Conv2D': {
      const kernel = transposeTensor(w[0]!, KERAS_TO_ONNX_KERNEL);
      const inputs = [g.weight(name, 'kernel', kernel)];
      if (w[1]) inputs.push(g.weight(name, 'bias', w[1]));
      const strides = layer.strides ?? [1, 1];
      const pads = layer.padding === 'same' ? samePads(layer.inputShape.slice(0, 2), layer.kernelSize, strides) : [0, 0, 0, 0];
      g.channelsFirst(layer, () =>
        g.op(name, 'Conv', inputs, [
          attr.ints('kernel_shape', layer.kernelSize),
          attr.ints('strides', strides),
          attr.ints('pads', pads),
          attr.ints('dilations', [1, 1]),
          attr.int('group', 1),
        ]),
      );
      g.activation(name, layer.activation);
      return;
    }
    case 'BatchNormalization': {
      const inputs = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((v, i) => g.weight(name, v, w[i]!));
      // Keras's epsilon (default 1e-3, not ONNX's 1e-5); momentum only matters to training but travels along.
      const attributes = [attr.float('epsilon', layer.epsilon ?? 1e-3), attr.float('momentum', layer.momentum ?? 0.99)];
      const bn = (): void => g.op(name, 'BatchNormalization', inputs, attributes);
      if (layer.inputShape.length === 1) bn();
      else g.channelsFirst(layer, bn);
      return;
    }
    case 'MaxPooling2D': {
      const strides = layer.strides ?? layer.poolSize;
      const pads = layer.padding === 'same' ? samePads(layer.inputShape.slice(0, 2), layer.poolSize, strides) : [0, 0, 0, 0];
      g.channelsFirst(layer, () =>
        g.op(name, 'MaxPool', [], [attr.ints('kernel_shape', layer.poolSize), attr.ints('strides', strides), attr.ints('pads', pads)]),
      );
      return;
    }
    case 'Flatten':
      // On channels-last data, so the order is Keras's (h, w, c).
      g.op(name, 'Flatten', [], [attr.int('axis', 1)]);
      return;
    case 'Reshape': {
      const shape = `${name}/shape`;
      g.initializers.push(int64TensorProto(shape, [-1, ...layer.outputShape]));
      g.op(name, 'Reshape', [shape]);
      return;
    }
    case 'Activation':
      g.activation(name, layer.activation);
      return;
    case 'Dropout':
      return; // identity at inference
  }
}

/**
 * A Keras architecture and its weights (Keras `get_weights()` order and layout) as an ONNX model:
 * input `input` [N, ...inputShape] float32, output `probabilities` [N, ...outputShape], inference mode.
 * Deterministic: the same architecture and weights give the same bytes.
 */
export function exportOnnx(arch: Architecture, weights: readonly F32Tensor[], opts: ExportOptions = {}): Uint8Array {
  const opset = opts.opset ?? DEFAULT_OPSET;
  const irVersion = IR_VERSION_OF_OPSET[opset];
  if (irVersion === undefined) {
    throw new ArgumentError('opset', `supported opsets are ${Object.keys(IR_VERSION_OF_OPSET).join(', ')}; got ${opset}`);
  }
  const resolved = resolveArchitecture(arch);
  checkWeights(resolved, weights);

  const g = new GraphBuilder();
  let wi = 0;
  for (const layer of resolved.layers) {
    const n = weightSpecsOf(layer, layer.inputShape).length;
    emitLayer(g, layer, weights.slice(wi, wi + n));
    wi += n;
  }
  const last = g.nodes[g.nodes.length - 1];
  if (last && last.output![0] === g.current) last.output = [OUTPUT_NAME];
  else g.nodes.push(node('Identity', 'output/Identity', [g.current], [OUTPUT_NAME]));

  const model = onnx.ModelProto.create({
    irVersion,
    opsetImport: [{ domain: '', version: opset }],
    producerName: opts.producerName ?? 'mnist-spec',
    producerVersion: opts.producerVersion ?? VERSION,
    graph: {
      name: arch.name ?? (arch.kind === 'sequential' ? 'sequential' : 'model'),
      node: g.nodes,
      initializer: g.initializers,
      input: [floatValueInfo(INPUT_NAME, BATCH_DIM, resolved.inputShape)],
      output: [floatValueInfo(OUTPUT_NAME, BATCH_DIM, resolved.outputShape)],
    },
    metadataProps: opts.embedArchitecture === false ? [] : [{ key: ARCHITECTURE_KEY, value: JSON.stringify(arch) }],
  });
  // A plain Uint8Array over its own memory: protobufjs hands out a pooled Buffer, whose slice() is a view.
  return new Uint8Array(onnx.ModelProto.encode(model).finish());
}
