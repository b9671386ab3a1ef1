import fc from 'fast-check';
import { expect } from 'vitest';
import { modelWeightSpecs, resolveArchitecture } from '../../../src/arch/resolve.js';
import type { Architecture } from '../../../src/arch/types.js';
import { DataFormatError, UnsupportedError } from '../../../src/errors.js';
import { architectureFromKerasConfig } from '../../../src/keras/config.js';
import { kerasWeightsFor, loadKerasH5, readKerasH5 } from '../../../src/keras/saving.js';
import { getRecipe } from '../../../src/recipes/index.js';
import type { F32Tensor } from '../../../src/tensor.js';
import { contract, keras } from '../../../src/harness/claims.js';
import { rejectionOf } from '../../support/data.js';
import { thrown } from '../../support/errors.js';
import { suiteSpecs } from '../../../src/harness/spec.js';
import { fixtureBytes, fixtureWeights, KERAS_FIXTURES } from '../../support/keras/fixtures.js';
import { kerasH5Bytes, kerasModelConfig } from '../../support/keras/write.js';

const spec = suiteSpecs(import.meta.url);

/**
 * Keras 2 .h5 files (src/keras): the project-made fixtures in Keras 2.2's layout load to exactly the weights
 * they were written with, a full model brings back its architecture, a file that does not fit the model is
 * refused naming the file and the dataset, and damaged bytes give a DataFormatError — never a crash or a hang.
 */
const LOADS = keras('engine/saving.py load_weights_from_hdf5_group', 'weight_values = [np.asarray(g[weight_name]) for weight_name in weight_names]');
const ERRORS = contract('src/errors.ts', 'Bytes that do not decode: names the file and the field');

const same = (a: readonly F32Tensor[], b: readonly F32Tensor[]): boolean =>
  a.length === b.length && a.every((t, i) => t.shape.join() === b[i]!.shape.join() && t.data.every((v, j) => Object.is(v, b[i]!.data[j])));

/** What an architecture computes, layer by layer: type, name, shapes and weight shapes (defaults made explicit). */
const layout = (arch: Architecture): unknown => {
  const r = resolveArchitecture(arch);
  return { input: r.inputShape, layers: r.layers.map((l) => [l.type, l.name, l.outputShape]), weights: modelWeightSpecs(r) };
};

for (const f of KERAS_FIXTURES) {
  spec({ name: 'load', params: { file: f.file }, claim: LOADS }, async (ctx) => {
    const h5 = await readKerasH5(fixtureBytes(f), f.file);
    expect(h5.kerasVersion).toBe('2.2.4');
    expect(h5.backend).toBe('tensorflow');
    if (f.full) {
      expect(h5.arch, 'a model.save file carries its architecture').toBeDefined();
      expect(layout(h5.arch!)).toEqual(layout(f.arch));
    } else {
      expect(h5.arch).toBeUndefined();
    }
    const weights = kerasWeightsFor(h5, h5.arch ?? f.arch);
    expect(same(weights, fixtureWeights(f)), 'every weight, bit for bit, in get_weights order').toBe(true);
    ctx.record({ layers: h5.layers.map((l) => `${l.name}: ${l.weights.map((w) => w.name).join(', ')}`) });
  });
}

spec({ name: 'weights-only-needs-architecture', claim: LOADS }, async () => {
  const f = KERAS_FIXTURES.find((k) => !k.full)!;
  const e = await rejectionOf(loadKerasH5(fixtureBytes(f), f.file));
  expect(e.message).toMatch(/^arch: tiny-mlp.weights.h5 holds weights only/);
});

spec({ name: 'mismatch:shape', claim: ERRORS }, async () => {
  const f = KERAS_FIXTURES.find((k) => !k.full)!;
  const h5 = await readKerasH5(fixtureBytes(f), f.file);
  // The same layers, a wider hidden layer: the first kernel no longer fits.
  const wider: Architecture = { ...f.arch, layers: f.arch.layers.map((l) => (l.type === 'Dense' && l.units === 6 ? { ...l, units: 7 } : l)) } as Architecture;
  const e = thrown(() => kerasWeightsFor(h5, wider));
  expect(e).toBeInstanceOf(DataFormatError);
  expect((e as DataFormatError).message).toBe('tiny-mlp.weights.h5: dense_1/dense_1/kernel:0: shape (16, 6), where layer "dense_1" expects kernel (16, 7)');
});

spec({ name: 'mismatch:layer-count', claim: ERRORS }, async () => {
  const f = KERAS_FIXTURES.find((k) => !k.full)!;
  const h5 = await readKerasH5(fixtureBytes(f), f.file);
  const e = thrown(() => kerasWeightsFor(h5, getRecipe('001').arch));
  expect(e).toBeInstanceOf(DataFormatError);
  expect((e as DataFormatError).field).toBe('layer_names');
  expect((e as DataFormatError).message).toContain('the file has 2 layers with weights (dense_1, dense_2), the model 3 (dense_1, dense_2, dense_3)');
});

// ---- model_config → architecture ----

const TF_KERAS_SEQUENTIAL = {
  class_name: 'Sequential',
  config: {
    name: 'sequential',
    layers: [
      { class_name: 'InputLayer', config: { batch_input_shape: [null, 28, 28, 1], dtype: 'float32', sparse: false, name: 'input_1' } },
      {
        class_name: 'Conv2D',
        config: {
          name: 'conv',
          filters: 4,
          kernel_size: 3,
          strides: 1,
          padding: 'valid',
          data_format: 'channels_last',
          dilation_rate: [1, 1],
          activation: 'relu',
          use_bias: false,
        },
      },
      { class_name: 'BatchNormalization', config: { name: 'bn', axis: [3], momentum: 0.9, epsilon: 1e-5, center: true, scale: true } },
      { class_name: 'MaxPooling2D', config: { name: 'pool', pool_size: [2, 2], padding: 'valid', strides: null, data_format: 'channels_last' } },
      { class_name: 'Flatten', config: { name: 'flat', data_format: 'channels_last' } },
      { class_name: 'Dense', config: { name: 'out', units: 10, activation: 'softmax', use_bias: true } },
    ],
  },
};

spec(
  {
    name: 'config:forms',
    claim: keras('engine/sequential.py get_config', "config.append({'class_name': layer.__class__.__name__, 'config': layer.get_config()})"),
  },
  () => {
    // Keras 2.2.0-2.2.4: the Sequential config is the layer list; functional: InputLayer + inbound_nodes.
    for (const f of KERAS_FIXTURES.filter((k) => k.full)) expect(layout(architectureFromKerasConfig(kerasModelConfig(f.arch), f.file))).toEqual(layout(f.arch));
    // tf.keras / Keras 2.2.5+: {name, layers} with an InputLayer first, ints for tuples, BN axis as a list.
    const arch = architectureFromKerasConfig(TF_KERAS_SEQUENTIAL, 'tf.h5');
    expect(arch).toMatchObject({ kind: 'sequential', name: 'sequential', inputShape: [28, 28, 1] });
    expect(layout(arch)).toEqual(
      layout({
        kind: 'sequential',
        inputShape: [28, 28, 1],
        layers: [
          { type: 'Conv2D', name: 'conv', filters: 4, kernelSize: [3, 3], activation: 'relu', useBias: false },
          { type: 'BatchNormalization', name: 'bn', momentum: 0.9, epsilon: 1e-5 },
          { type: 'MaxPooling2D', name: 'pool', poolSize: [2, 2] },
          { type: 'Flatten', name: 'flat' },
          { type: 'Dense', name: 'out', units: 10, activation: 'softmax' },
        ],
      }),
    );
  },
);

const withLayer = (layer: object, at = 1): object => {
  const c = structuredClone(TF_KERAS_SEQUENTIAL);
  c.config.layers.splice(at, 0, layer as (typeof c.config.layers)[number]);
  return c;
};

/** Configs outside the scope: UnsupportedError naming the layer. */
const UNSUPPORTED: [string, object, RegExp][] = [
  [
    'lstm',
    withLayer({ class_name: 'LSTM', config: { name: 'lstm_1', units: 8 } }),
    /^f\.h5: model_config: layer "lstm_1" \(LSTM\) is not supported; supported layers: Dense/,
  ],
  [
    'channels-first',
    withLayer({ class_name: 'Flatten', config: { name: 'flatten_9', data_format: 'channels_first' } }, 5),
    /layer "flatten_9" \(Flatten\) has data_format "channels_first"/,
  ],
  ['activation', withLayer({ class_name: 'Activation', config: { name: 'act', activation: 'elu' } }, 2), /layer "act" \(Activation\) has activation "elu"/],
  ['bn-axis', withLayer({ class_name: 'BatchNormalization', config: { name: 'bn_h', axis: 1 } }, 2), /layer "bn_h" \(BatchNormalization\) normalizes axis 1/],
  [
    'dilation',
    withLayer({ class_name: 'Conv2D', config: { name: 'dil', filters: 1, kernel_size: [3, 3], dilation_rate: [2, 2] } }, 2),
    /layer "dil" \(Conv2D\) has a dilation_rate other than 1/,
  ],
  ['model-class', { class_name: 'Bidirectional', config: {} }, /a Bidirectional model is not supported/],
];
for (const [name, config, message] of UNSUPPORTED) {
  spec({ name: 'config:unsupported', params: { case: name }, claim: contract('src/errors.ts', 'the layer for an unsupported model') }, () => {
    const e = thrown(() => architectureFromKerasConfig(config, 'f.h5'));
    expect(e).toBeInstanceOf(UnsupportedError);
    expect((e as Error).message).toMatch(message);
  });
}

/** Malformed configs: DataFormatError on model_config saying where. */
const MALFORMED: [string, unknown, RegExp][] = [
  ['not-object', 42, /^f\.h5: model_config: model_config: expected an object/],
  [
    'no-input-shape',
    { class_name: 'Sequential', config: [{ class_name: 'Dense', config: { name: 'd', units: 3 } }] },
    /config\.layers\[0\]\.config: the first layer has no batch_input_shape/,
  ],
  [
    'bad-units',
    { class_name: 'Sequential', config: [{ class_name: 'Dense', config: { name: 'd', units: -3, batch_input_shape: [null, 4] } }] },
    /config\.layers\[0\]\.config\.units: expected a positive integer, got -3/,
  ],
  [
    'shapes-do-not-fit',
    { class_name: 'Sequential', config: [{ class_name: 'Reshape', config: { name: 'r', target_shape: [5, 5], batch_input_shape: [null, 4] } }] },
    /model_config: layers: .*cannot reshape \(4\)/,
  ],
  [
    'dangling-inbound',
    {
      class_name: 'Model',
      config: {
        layers: [
          { name: 'in', class_name: 'InputLayer', config: { batch_input_shape: [null, 3] }, inbound_nodes: [] },
          { name: 'd', class_name: 'Dense', config: { units: 2 }, inbound_nodes: [[['nowhere', 0, 0, {}]]] },
        ],
        input_layers: [['in', 0, 0]],
        output_layers: [['d', 0, 0]],
      },
    },
    /"nowhere" is not a layer or the input/,
  ],
];
for (const [name, config, message] of MALFORMED) {
  spec({ name: 'config:malformed', params: { case: name }, claim: ERRORS }, () => {
    const e = thrown(() => architectureFromKerasConfig(config, 'f.h5'));
    expect(e).toBeInstanceOf(DataFormatError);
    expect((e as Error).message).toMatch(message);
  });
}

// ---- damaged and hostile files ----

const CNN = KERAS_FIXTURES.find((k) => k.file === 'tiny-cnn.model.h5')!;

/** Hand-made bad files, each with what its DataFormatError must say. */
const HOSTILE: [string, () => Promise<Uint8Array>, RegExp][] = [
  ['empty', async () => new Uint8Array(0), /^empty: signature: not an HDF5 file/],
  ['onnx-bytes', async () => new Uint8Array([0x08, 0x07, 0x12, 0x04]), /^onnx-bytes: signature: not an HDF5 file/],
  ['truncated', async () => fixtureBytes(CNN).slice(0, 3000), /^truncated: hdf5: libhdf5: .*truncated file/],
  [
    'config-not-json',
    () => kerasH5Bytes(CNN.arch, fixtureWeights(CNN), { full: true, modelConfig: '{"class_name": "Sequential", "config": [' }),
    /^config-not-json: model_config: not JSON/,
  ],
  [
    'config-lstm',
    () =>
      kerasH5Bytes(CNN.arch, fixtureWeights(CNN), { full: true, modelConfig: JSON.stringify(withLayer({ class_name: 'LSTM', config: { name: 'lstm_7' } })) }),
    /^config-lstm: model_config: layer "lstm_7" \(LSTM\) is not supported/,
  ],
  [
    'config-vs-weights',
    // The config says 3 filters where the weights hold 2: the kernel dataset is named with its shapes.
    () =>
      kerasH5Bytes(CNN.arch, fixtureWeights(CNN), {
        full: true,
        modelConfig: JSON.stringify(
          kerasModelConfig({ ...CNN.arch, layers: CNN.arch.layers.map((l) => (l.type === 'Conv2D' ? { ...l, filters: 3 } : l)) } as Architecture),
        ),
      }),
    /^config-vs-weights: model_weights\/conv2d_1\/conv2d_1\/kernel:0: shape \(3, 3, 1, 2\), where layer "conv2d_1" expects kernel \(3, 3, 1, 3\)/,
  ],
];
for (const [name, make, message] of HOSTILE) {
  spec({ name: 'hostile', params: { case: name }, claim: ERRORS }, async (ctx) => {
    const e = await rejectionOf(loadKerasH5(await make(), name, CNN.arch));
    if (name === 'config-lstm') expect(e).toBeInstanceOf(UnsupportedError);
    else expect(e).toBeInstanceOf(DataFormatError);
    expect(e.message).toMatch(message);
    ctx.record(e.message);
  });
}

/**
 * Damaged copies of the CNN model file: each read in its own worker (≈0.3 s), so the runs are few. A read
 * must give a coherent model (weights that fit its architecture) or a DataFormatError/UnsupportedError;
 * libhdf5 aborting on a damaged file is one of those DataFormatErrors, never a crash of the process.
 */
const FUZZ_RUNS = 20;
const MUTATIONS: Record<string, (base: Uint8Array) => fc.Arbitrary<Uint8Array>> = {
  'byte-flips': (base) =>
    fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }).map((flips) => {
      const b = base.slice();
      for (const [at, xor] of flips) b[at]! ^= xor;
      return b;
    }),
  truncation: (base) => fc.nat({ max: base.length - 1 }).map((n) => base.slice(0, n)),
};
for (const [mutation, arbitrary] of Object.entries(MUTATIONS)) {
  spec({ name: `fuzz:${mutation}`, claim: contract('src/errors.ts', 'Nothing else should escape to a user.'), timeoutMs: 60_000 }, async (ctx) => {
    const out = { loaded: 0, dataFormat: 0, unsupported: 0 };
    await fc.assert(
      fc.asyncProperty(arbitrary(fixtureBytes(CNN)), async (bytes) => {
        try {
          const m = await loadKerasH5(bytes, 'fuzz.h5', CNN.arch, { timeoutMs: 10_000 });
          expect(m.weights.map((w) => w.shape)).toEqual(modelWeightSpecs(resolveArchitecture(m.arch)).map((s) => s.shape));
          out.loaded++;
        } catch (e) {
          if (e instanceof DataFormatError) out.dataFormat++;
          else if (e instanceof UnsupportedError) out.unsupported++;
          else throw e;
        }
      }),
      { numRuns: FUZZ_RUNS, seed: 20240602 },
    );
    ctx.record(out, 'a coherent model, DataFormatError or UnsupportedError');
  });
}
