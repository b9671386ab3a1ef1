import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { resolveArchitecture } from '../../../src/arch/resolve.js';
import type { Architecture } from '../../../src/arch/types.js';
import { DataFormatError, UnsupportedError } from '../../../src/errors.js';
import { exportOnnx, INPUT_NAME, OUTPUT_NAME } from '../../../src/onnx/export.js';
import { importOnnx } from '../../../src/onnx/import.js';
import {
  attr,
  floatTensorProto,
  floatValueInfo,
  int64TensorProto,
  KERAS_TO_ONNX_KERNEL,
  node,
  onnx,
  transposeTensor,
  type INodeProto,
  type ITensorProto,
} from '../../../src/onnx/proto.js';
import { getRecipe, RECIPES } from '../../../src/recipes/index.js';
import type { F32Tensor } from '../../../src/tensor.js';
import { contract } from '../../../src/harness/claims.js';
import { suiteSpecs } from '../../../src/harness/spec.js';
import { distinctWeights, EVERY_OPTION, sampleInputs } from '../../support/onnx-fixtures.js';

const spec = suiteSpecs(import.meta.url);

const bitwise = (a: readonly F32Tensor[], b: readonly F32Tensor[]): boolean =>
  a.length === b.length &&
  a.every((t, i) => {
    const u = b[i]!;
    return (
      t.shape.join() === u.shape.join() &&
      Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength))
    );
  });

async function run(bytes: Uint8Array, inputName: string, outputName: string, x: F32Tensor): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  try {
    return (await session.run({ [inputName]: new ort.Tensor('float32', x.data, x.shape) }))[outputName]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

// ---- our own exports ----

const OWN: [Record<string, string>, Architecture][] = [
  ...[...RECIPES].map(([id, r]): [Record<string, string>, Architecture] => [{ recipe: id }, r.arch]),
  [{ arch: 'every-option' }, EVERY_OPTION],
];

for (const [params, arch] of OWN) {
  const resolved = resolveArchitecture(arch);
  const weights = distinctWeights(resolved, 3);

  spec(
    {
      name: 'lossless',
      params,
      claim: contract('src/onnx/import.ts', 'Our own exports also carry the architecture JSON'),
    },
    (ctx) => {
      const first = exportOnnx(arch, weights);
      const back = importOnnx(first, 'model.onnx');
      expect(back.arch).toEqual(arch);
      expect(bitwise(back.weights, weights), 'weights bit for bit').toBe(true);
      const second = exportOnnx(back.arch, back.weights);
      expect(Buffer.from(second).equals(Buffer.from(first)), 'second export byte for byte').toBe(true);
      ctx.record(first.length, 'export → import → export: same architecture, same weight bits, same bytes');
    },
  );

  spec(
    {
      name: 'graph-only',
      params,
      claim: contract('src/onnx/import.ts', 'The graph is the source of truth'),
    },
    (ctx) => {
      const back = importOnnx(exportOnnx(arch, weights, { embedArchitecture: false }), 'model.onnx');
      // Without the JSON only Dropout (absent from an inference graph) is lost; names, shapes and weights remain.
      const rows = (a: Architecture): string[] =>
        resolveArchitecture(a)
          .layers.filter((l) => l.type !== 'Dropout')
          .map((l) => `${l.name} ${l.type} (${l.outputShape})`);
      expect(rows(back.arch)).toEqual(rows(arch));
      expect(bitwise(back.weights, weights), 'weights bit for bit').toBe(true);
      ctx.record(rows(back.arch).length, 'same layers but Dropout, same weights');
    },
  );
}

spec(
  {
    name: 'import:rejects-contradicting-metadata',
    claim: contract(
      'src/onnx/import.ts',
      'it is used (it keeps Dropout layers, names and the functional form) only when it describes the same computation as the graph',
    ),
  },
  () => {
    const arch = getRecipe('001').arch;
    const weights = distinctWeights(resolveArchitecture(arch), 1);
    const model = onnx.ModelProto.decode(exportOnnx(arch, weights));
    const lying = JSON.parse(model.metadataProps[0]!.value ?? '') as { layers: { activation?: string }[] };
    lying.layers[0]!.activation = 'tanh';
    model.metadataProps[0]!.value = JSON.stringify(lying);
    const bytes = onnx.ModelProto.encode(model).finish();
    expect(() => importOnnx(bytes, 'lying.onnx')).toThrow(DataFormatError);
    expect(() => importOnnx(bytes, 'lying.onnx')).toThrow(/lying\.onnx: metadata_props\["mnist_spec\.architecture"\]: describes a different model/);
  },
);

// ---- graphs as keras2onnx and tf2onnx write them (no metadata) ----

const floatData = (name: string, t: F32Tensor): ITensorProto => ({
  name,
  dims: [...t.shape],
  dataType: onnx.TensorProto.DataType.FLOAT,
  floatData: Array.from(t.data),
});

function model(
  nodes: INodeProto[],
  initializers: ITensorProto[],
  input: { name: string; shape: number[]; batch: string },
  output: { name: string; shape: number[] },
  opset: number,
  irVersion: number,
  initializersAsInputs = false,
) {
  const bytes = onnx.ModelProto.encode({
    irVersion,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'hand-built',
    graph: {
      name: 'g',
      node: nodes,
      initializer: initializers,
      // Before IR 4 every initializer was also listed as a graph input.
      input: [
        floatValueInfo(input.name, input.batch, input.shape),
        ...(initializersAsInputs
          ? initializers.map((t) => ({ name: t.name!, type: { tensorType: { elemType: t.dataType!, shape: { dim: t.dims!.map((d) => ({ dimValue: d })) } } } }))
          : []),
      ],
      output: [floatValueInfo(output.name, input.batch, output.shape)],
    },
  }).finish();
  return bytes;
}

spec(
  {
    name: 'import:keras2onnx-mlp',
    claim: contract(
      'keras2onnx ke2onnx/dense.py',
      "container.add_node('MatMul', [operator.inputs[0].full_name, weight_name], transformed_tensor_name, name=operator.full_name)",
    ),
  },
  async (ctx) => {
    const expected: Architecture = {
      kind: 'sequential',
      inputShape: [784],
      layers: [
        { type: 'Dense', units: 512, activation: 'relu', name: 'dense_1' },
        { type: 'Dense', units: 512, activation: 'relu', name: 'dense_2' },
        { type: 'Dropout', rate: 0.2, name: 'dropout_2' },
        { type: 'Dense', units: 10, activation: 'softmax', name: 'dense_3' },
      ],
    };
    const w = distinctWeights(resolveArchitecture(expected), 5);
    // keras2onnx for Keras 2.2 at opset 9: MatMul named after the layer, Add and activations with generated
    // names whose outputs carry the Keras tensor name, float_data initializers W/B listed as inputs too,
    // Identity for the first Dropout, a Dropout node with its ratio attribute for the second, bias first in one Add.
    const nodes = [
      node('MatMul', 'dense_1', ['dense_1_input', 'W'], ['transformed_tensor']),
      node('Add', 'Add', ['transformed_tensor', 'B'], ['biased_tensor_name']),
      node('Relu', 'Relu', ['biased_tensor_name'], ['dense_1/Relu:0']),
      node('Identity', 'Identity', ['dense_1/Relu:0'], ['dropout_1/Identity:0']),
      node('MatMul', 'dense_2', ['dropout_1/Identity:0', 'W1'], ['transformed_tensor1']),
      node('Add', 'Add1', ['B1', 'transformed_tensor1'], ['biased_tensor_name1']),
      node('Relu', 'Relu1', ['biased_tensor_name1'], ['dense_2/Relu:0']),
      node('Dropout', 'dropout_2', ['dense_2/Relu:0'], ['dropout_2/cond/Merge:0', 'dropout_2_mask'], [attr.float('ratio', 0.2)]),
      node('MatMul', 'dense_3', ['dropout_2/cond/Merge:0', 'W2'], ['transformed_tensor2']),
      node('Add', 'Add2', ['transformed_tensor2', 'B2'], ['biased_tensor_name2']),
      node('Softmax', 'Softmax', ['biased_tensor_name2'], ['dense_3/Softmax:0'], [attr.int('axis', 1)]),
    ];
    const inits = ['W', 'B', 'W1', 'B1', 'W2', 'B2'].map((name, i) => floatData(name, w[i]!));
    const bytes = model(nodes, inits, { name: 'dense_1_input', shape: [784], batch: 'N' }, { name: 'dense_3/Softmax:0', shape: [10] }, 9, 3, true);

    const back = importOnnx(bytes, 'keras2onnx.onnx');
    expect(back.arch).toEqual(expected);
    expect(bitwise(back.weights, w)).toBe(true);
    const x = sampleInputs([784], 8, 'flat-scaled', 2);
    const diff = maxDiff(await run(bytes, 'dense_1_input', 'dense_3/Softmax:0', x), await run(exportOnnx(back.arch, back.weights), INPUT_NAME, OUTPUT_NAME, x));
    // Same weights, same operators up to MatMul+Add vs Gemm: float32 rounding only.
    expect(diff).toBeLessThan(1e-6);
    ctx.record(diff, 'imported model predicts as the original graph, |Δp| < 1e-6');
  },
);

/**
 * 004-cnn as tf2onnx writes it. `foldBatchNorm`: each inference batch normalization as tf2onnx's optimiser
 * folds it, a per-channel Mul by γ/√(σ²+ε) then an Add of β − μ·γ/√(σ²+ε) ([C, 1, 1] on NCHW data, [C] after
 * the Dense), instead of a BatchNormalization node.
 */
async function importsTf2onnxCnn(foldBatchNorm: boolean): Promise<number> {
  // 004-cnn as tf2onnx leaves it after its transpose optimiser: one Transpose into NCHW before the first
  // Conv, BatchNormalization/Relu/MaxPool on NCHW data, one Transpose back before the flattening Reshape
  // (its shape a Constant node), MatMul+BiasAdd, an Identity for Dropout, a Gemm with transB, Softmax last.
  const expected: Architecture = {
    kind: 'sequential',
    inputShape: [28, 28, 1],
    layers: [
      { type: 'Conv2D', filters: 32, kernelSize: [3, 3], name: 'conv2d' },
      { type: 'BatchNormalization', name: 'batch_normalization' },
      { type: 'Activation', activation: 'relu', name: 'activation' },
      { type: 'Conv2D', filters: 32, kernelSize: [3, 3], name: 'conv2d_1' },
      { type: 'BatchNormalization', name: 'batch_normalization_1' },
      { type: 'Activation', activation: 'relu', name: 'activation_1' },
      { type: 'MaxPooling2D', poolSize: [2, 2], name: 'max_pooling2d' },
      { type: 'Flatten', name: 'flatten' },
      { type: 'Dense', units: 128, name: 'dense' },
      { type: 'BatchNormalization', name: 'batch_normalization_2' },
      { type: 'Activation', activation: 'relu', name: 'activation_2' },
      { type: 'Dense', units: 10, name: 'dense_1' },
      { type: 'Activation', activation: 'softmax', name: 'activation_3' },
    ],
  };
  const w = distinctWeights(resolveArchitecture(expected), 9);
  const s = 'sequential';
  const t = (name: string, x: F32Tensor): ITensorProto => floatTensorProto(name, x.shape, x.data);
  const conv = (x: F32Tensor): F32Tensor => transposeTensor(x, KERAS_TO_ONNX_KERNEL);
  const eps = 0.001;
  /** γ/√(σ²+ε) and β − μ·γ/√(σ²+ε), shaped [C, 1, 1] for NCHW data. */
  const folded = (at: number, nchw: boolean): [F32Tensor, F32Tensor] => {
    const [gamma, beta, mean, variance] = [0, 1, 2, 3].map((i) => w[at + i]!.data);
    const scale = gamma!.map((g, c) => g / Math.sqrt(variance![c]! + eps));
    const shift = beta!.map((b, c) => b - mean![c]! * scale[c]!);
    const shape = nchw ? [scale.length, 1, 1] : [scale.length];
    return [
      { shape, data: scale },
      { shape, data: shift },
    ];
  };
  const bn = (layer: string, at: number, nchw = true): ITensorProto[] =>
    foldBatchNorm
      ? folded(at, nchw).map((x, i) => t(`${s}/${layer}/FusedBatchNormV3/${i ? 'shift' : 'scale'}:0`, x))
      : ['scale', 'offset', 'mean', 'variance'].map((v, i) => t(`${s}/${layer}/FusedBatchNormV3/${v}:0`, w[at + i]!));
  const inits = [
    t(`${s}/conv2d/Conv2D/ReadVariableOp:0`, conv(w[0]!)),
    t(`${s}/conv2d/BiasAdd/ReadVariableOp:0`, w[1]!),
    ...bn('batch_normalization', 2),
    t(`${s}/conv2d_1/Conv2D/ReadVariableOp:0`, conv(w[6]!)),
    t(`${s}/conv2d_1/BiasAdd/ReadVariableOp:0`, w[7]!),
    ...bn('batch_normalization_1', 8),
    t(`${s}/dense/MatMul/ReadVariableOp:0`, w[12]!),
    t(`${s}/dense/BiasAdd/ReadVariableOp:0`, w[13]!),
    ...bn('batch_normalization_2', 14, false),
    t(`${s}/dense_1/MatMul/ReadVariableOp:0`, transposeTensor(w[18]!, [1, 0])),
    t(`${s}/dense_1/BiasAdd/ReadVariableOp:0`, w[19]!),
  ];
  const bnNode = (layer: string, input: string): INodeProto[] => {
    const b = `${s}/${layer}/FusedBatchNormV3`;
    if (!foldBatchNorm)
      return [
        node('BatchNormalization', b, [input, ...['scale', 'offset', 'mean', 'variance'].map((v) => `${b}/${v}:0`)], [`${b}:0`], [attr.float('epsilon', eps)]),
      ];
    return [node('Mul', `${b}/mul`, [input, `${b}/scale:0`], [`${b}/mul:0`]), node('Add', `${b}/add`, [`${b}/mul:0`, `${b}/shift:0`], [`${b}:0`])];
  };
  const nodes = [
    node(
      'Constant',
      `${s}/flatten/Const`,
      [],
      [`${s}/flatten/Const:0`],
      [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: int64TensorProto('', [-1, 4608]) }],
    ),
    node('Transpose', `${s}/conv2d/Conv2D__6`, ['conv2d_input'], [`${s}/conv2d/Conv2D__6:0`], [attr.ints('perm', [0, 3, 1, 2])]),
    node(
      'Conv',
      `${s}/conv2d/Conv2D`,
      [`${s}/conv2d/Conv2D__6:0`, `${s}/conv2d/Conv2D/ReadVariableOp:0`, `${s}/conv2d/BiasAdd/ReadVariableOp:0`],
      [`${s}/conv2d/BiasAdd:0`],
      [
        attr.ints('dilations', [1, 1]),
        attr.ints('strides', [1, 1]),
        attr.ints('kernel_shape', [3, 3]),
        { name: 'auto_pad', type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode('VALID') },
      ],
    ),
    ...bnNode('batch_normalization', `${s}/conv2d/BiasAdd:0`),
    node('Relu', `${s}/activation/Relu`, [`${s}/batch_normalization/FusedBatchNormV3:0`], [`${s}/activation/Relu:0`]),
    node(
      'Conv',
      `${s}/conv2d_1/Conv2D`,
      [`${s}/activation/Relu:0`, `${s}/conv2d_1/Conv2D/ReadVariableOp:0`, `${s}/conv2d_1/BiasAdd/ReadVariableOp:0`],
      [`${s}/conv2d_1/BiasAdd:0`],
      [attr.ints('kernel_shape', [3, 3]), attr.ints('pads', [0, 0, 0, 0])],
    ),
    ...bnNode('batch_normalization_1', `${s}/conv2d_1/BiasAdd:0`),
    node('Relu', `${s}/activation_1/Relu`, [`${s}/batch_normalization_1/FusedBatchNormV3:0`], [`${s}/activation_1/Relu:0`]),
    node(
      'MaxPool',
      `${s}/max_pooling2d/MaxPool`,
      [`${s}/activation_1/Relu:0`],
      [`${s}/max_pooling2d/MaxPool:0`],
      [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])],
    ),
    node(
      'Transpose',
      `${s}/max_pooling2d/MaxPool__28`,
      [`${s}/max_pooling2d/MaxPool:0`],
      [`${s}/max_pooling2d/MaxPool__28:0`],
      [attr.ints('perm', [0, 2, 3, 1])],
    ),
    node('Reshape', `${s}/flatten/Reshape`, [`${s}/max_pooling2d/MaxPool__28:0`, `${s}/flatten/Const:0`], [`${s}/flatten/Reshape:0`]),
    node('MatMul', `${s}/dense/MatMul`, [`${s}/flatten/Reshape:0`, `${s}/dense/MatMul/ReadVariableOp:0`], [`${s}/dense/MatMul:0`]),
    node('Add', `${s}/dense/BiasAdd`, [`${s}/dense/MatMul:0`, `${s}/dense/BiasAdd/ReadVariableOp:0`], [`${s}/dense/BiasAdd:0`]),
    ...bnNode('batch_normalization_2', `${s}/dense/BiasAdd:0`),
    node('Relu', `${s}/activation_2/Relu`, [`${s}/batch_normalization_2/FusedBatchNormV3:0`], [`${s}/activation_2/Relu:0`]),
    node('Identity', `${s}/dropout/Identity`, [`${s}/activation_2/Relu:0`], [`${s}/dropout/Identity:0`]),
    node(
      'Gemm',
      `${s}/dense_1/MatMul`,
      [`${s}/dropout/Identity:0`, `${s}/dense_1/MatMul/ReadVariableOp:0`, `${s}/dense_1/BiasAdd/ReadVariableOp:0`],
      [`${s}/dense_1/BiasAdd:0`],
      [attr.int('transB', 1)],
    ),
    node('Softmax', `${s}/activation_3/Softmax`, [`${s}/dense_1/BiasAdd:0`], ['activation_3']),
  ];
  const bytes = model(nodes, inits, { name: 'conv2d_input', shape: [28, 28, 1], batch: 'unk__42' }, { name: 'activation_3', shape: [10] }, 13, 7);

  const back = importOnnx(bytes, 'tf2onnx.onnx');
  expect(back.arch).toEqual(expected);
  // Unfolded, every weight comes back bit for bit; folded, the batch norms come back as (scale, shift, 0, 1 − ε).
  if (!foldBatchNorm) expect(bitwise(back.weights, w)).toBe(true);
  else
    for (const at of [2, 8, 14])
      expect(back.weights[at + 2]!.data.every((v) => v === 0) && back.weights[at + 3]!.data.every((v) => v === Math.fround(1 - eps))).toBe(true);
  const x = sampleInputs([28, 28, 1], 4, 'image-channels-scaled', 3);
  const diff = maxDiff(await run(bytes, 'conv2d_input', 'activation_3', x), await run(exportOnnx(back.arch, back.weights), INPUT_NAME, OUTPUT_NAME, x));
  expect(diff).toBeLessThan(1e-6);
  return diff;
}

spec(
  {
    name: 'import:tf2onnx-cnn',
    claim: contract('keras2onnx ke2onnx/conv.py', 'Unless channels_first is the Keras data format, the inputs and weights in Keras v.s. ONNX are reversed.'),
  },
  async (ctx) => ctx.record(await importsTf2onnxCnn(false), 'imported model predicts as the original graph, |Δp| < 1e-6'),
);

spec(
  {
    name: 'import:tf2onnx-cnn-folded-batchnorm',
    claim: contract('src/onnx/import.ts', 'A per-channel Mul then a per-channel Add: an inference BatchNormalization as tf2onnx folds it'),
  },
  async (ctx) => ctx.record(await importsTf2onnxCnn(true), 'folded batch norms imported as BatchNormalization; predicts as the original graph, |Δp| < 1e-6'),
);

spec(
  {
    name: 'import:unsupported-operator',
    claim: contract('src/errors.ts', 'An implementation asked to do something it did not declare it can do, or a model feature it lacks.'),
  },
  () => {
    const w = (name: string, shape: number[]): ITensorProto => floatTensorProto(name, shape, new Float32Array(shape.reduce((a, b) => a * b, 1)));
    // An LSTM layer straight on the input, as keras2onnx writes one (the sequence axis first is its own business).
    const bytes = model(
      [node('LSTM', 'lstm_1/LSTM', ['lstm_1_input', 'lstm_1/W', 'lstm_1/R'], ['lstm_1/LSTM:0'], [attr.int('hidden_size', 8)])],
      [w('lstm_1/W', [1, 32, 28]), w('lstm_1/R', [1, 32, 8])],
      { name: 'lstm_1_input', shape: [28, 28], batch: 'N' },
      { name: 'lstm_1/LSTM:0', shape: [28, 1, 8] },
      13,
      7,
    );
    expect(() => importOnnx(bytes, 'rnn.onnx')).toThrow(UnsupportedError);
    expect(() => importOnnx(bytes, 'rnn.onnx')).toThrow(/^rnn\.onnx: node "lstm_1\/LSTM" \(LSTM\): operator not supported/);
  },
);
