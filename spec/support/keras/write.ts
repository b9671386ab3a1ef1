import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { modelWeightSpecs, resolveArchitecture, type ResolvedLayer } from '../../../src/arch/resolve.js';
import type { Architecture } from '../../../src/arch/types.js';
import type { F32Tensor } from '../../../src/tensor.js';

/**
 * Writes HDF5 files in the layout Keras 2.2 (Python 3, h5py 2.x) writes, for specs and fixtures: there is
 * no Keras or h5py here, so the files are made with h5wasm. How the layout was matched, against Keras
 * 2.2.4 keras/engine/saving.py and a real Keras 2.2.2 `save_weights` file (../shared/keras, inspected with
 * h5wasm; nothing of it is copied):
 *
 * - `layer_names` (root, or `model_weights` of a full model) and each layer group's `weight_names` are
 *   1-d attributes of fixed-length byte strings, as h5py stores numpy `S<n>` arrays, n = the longest name.
 *   h5wasm writes them as ASCII C strings; h5py pads with nulls (NULLPAD) where h5wasm declares NULLTERM.
 *   The bytes are the same for every name shorter than n, and readers return the same strings either way.
 * - A layer without weights (Dropout, Flatten, Activation, MaxPooling2D, InputLayer) still has its group,
 *   with `weight_names` an empty float64 array: numpy's dtype for `np.array([])`.
 * - Weights: `<layer>/<layer>/<name>:0` float32 datasets in Keras layout (Dense kernel [in, out], Conv2D
 *   kernel [kh, kw, in, out]); `weight_names` lists them in get_weights order, `<layer>/<name>:0`.
 * - `backend`, `keras_version`: scalar strings (fixed-length under Python 3: `str.encode('utf8')`).
 * - A full model (`model.save`): root `model_config` = `json.dumps({"class_name", "config"})` and
 *   `training_config` as scalar fixed-length strings, the weights under the group `model_weights` with the
 *   same three attributes at its root. Sequential's config is its layer list (Keras 2.2.0-2.2.4); a
 *   functional model's lists the InputLayer first, with `inbound_nodes`, `input_layers`, `output_layers`.
 */
const KERAS_VERSION = '2.2.4';

type Group = InstanceType<typeof h5wasm.Group>;

/** Fixed-length byte strings: numpy's `S<n>`, n = the longest (at least 1). */
function writeNames(g: Group, name: string, names: string[]): void {
  if (!names.length) {
    g.create_attribute(name, new Float64Array(0), [0]);
    return;
  }
  const n = Math.max(1, ...names.map((s) => Buffer.byteLength(s)));
  g.create_attribute(name, names, [names.length], `A${n}`);
}

function writeScalarString(g: Group, name: string, value: string): void {
  g.create_attribute(name, value, null, `A${Math.max(1, Buffer.byteLength(value))}`);
}

function writeWeightsGroup(g: Group, layers: readonly ResolvedLayer[], weights: readonly F32Tensor[], arch: Architecture, inputName: string): void {
  const specs = modelWeightSpecs(resolveArchitecture(arch));
  // A functional model's layers include its InputLayer (Keras 2.2 Network.layers), a Sequential's do not.
  const names = [...(arch.kind === 'functional' ? [inputName] : []), ...layers.map((l) => l.name)];
  writeNames(g, 'layer_names', names);
  writeScalarString(g, 'backend', 'tensorflow');
  writeScalarString(g, 'keras_version', KERAS_VERSION);
  for (const name of names) {
    const lg = g.create_group(name);
    const mine = specs.map((s, i) => ({ s, i })).filter(({ s }) => s.layer === name);
    writeNames(
      lg,
      'weight_names',
      mine.map(({ s }) => `${name}/${s.name}:0`),
    );
    if (!mine.length) continue;
    const inner = lg.create_group(name);
    for (const { s, i } of mine) inner.create_dataset({ name: `${s.name}:0`, data: weights[i]!.data, shape: [...weights[i]!.shape], dtype: '<f' });
  }
}

const initializer = (name: string, config: object = {}): object => ({ class_name: name, config });
const glorot = (): object => initializer('VarianceScaling', { scale: 1.0, mode: 'fan_avg', distribution: 'uniform', seed: null });

/** One layer's `{class_name, config}` as Keras 2.2.4's get_config() writes it. */
function layerConfig(l: ResolvedLayer, batchInputShape: number[] | undefined): { class_name: string; config: Record<string, unknown> } {
  const base: Record<string, unknown> = {
    name: l.name,
    trainable: true,
    ...(batchInputShape ? { batch_input_shape: [null, ...batchInputShape], dtype: 'float32' } : {}),
  };
  const reg = { kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null };
  switch (l.type) {
    case 'Dense':
      return {
        class_name: 'Dense',
        config: {
          ...base,
          units: l.units,
          activation: l.activation ?? 'linear',
          use_bias: l.useBias ?? true,
          kernel_initializer: glorot(),
          bias_initializer: initializer('Zeros'),
          ...reg,
        },
      };
    case 'Dropout':
      return { class_name: 'Dropout', config: { ...base, rate: l.rate, noise_shape: null, seed: null } };
    case 'Activation':
      return { class_name: 'Activation', config: { ...base, activation: l.activation } };
    case 'Flatten':
      return { class_name: 'Flatten', config: { ...base, data_format: 'channels_last' } };
    case 'Reshape':
      return { class_name: 'Reshape', config: { ...base, target_shape: l.targetShape } };
    case 'Conv2D':
      return {
        class_name: 'Conv2D',
        config: {
          ...base,
          filters: l.filters,
          kernel_size: l.kernelSize,
          strides: l.strides ?? [1, 1],
          padding: l.padding ?? 'valid',
          data_format: 'channels_last',
          dilation_rate: [1, 1],
          activation: l.activation ?? 'linear',
          use_bias: l.useBias ?? true,
          kernel_initializer: glorot(),
          bias_initializer: initializer('Zeros'),
          ...reg,
        },
      };
    case 'MaxPooling2D':
      return {
        class_name: 'MaxPooling2D',
        config: { ...base, pool_size: l.poolSize, padding: l.padding ?? 'valid', strides: l.strides ?? l.poolSize, data_format: 'channels_last' },
      };
    case 'BatchNormalization':
      return {
        class_name: 'BatchNormalization',
        config: {
          ...base,
          axis: -1,
          momentum: l.momentum ?? 0.99,
          epsilon: l.epsilon ?? 0.001,
          center: true,
          scale: true,
          beta_initializer: initializer('Zeros'),
          gamma_initializer: initializer('Ones'),
          moving_mean_initializer: initializer('Zeros'),
          moving_variance_initializer: initializer('Ones'),
          beta_regularizer: null,
          gamma_regularizer: null,
          beta_constraint: null,
          gamma_constraint: null,
        },
      };
  }
}

/** `{"class_name": ..., "config": ...}` of a model, as Keras 2.2.4's `model.save` stores it. */
export function kerasModelConfig(arch: Architecture): { class_name: string; config: unknown } {
  const r = resolveArchitecture(arch);
  if (arch.kind === 'sequential') return { class_name: 'Sequential', config: r.layers.map((l, i) => layerConfig(l, i === 0 ? r.inputShape : undefined)) };
  const byName = new Map(arch.layers.map((l) => [l.name, l.inbound]));
  const input = {
    name: r.inputName,
    class_name: 'InputLayer',
    config: { batch_input_shape: [null, ...r.inputShape], dtype: 'float32', sparse: false, name: r.inputName },
    inbound_nodes: [],
  };
  const layers = r.layers.map((l) => ({ name: l.name, ...layerConfig(l, undefined), inbound_nodes: [[[byName.get(l.name)!, 0, 0, {}]]] }));
  return {
    class_name: 'Model',
    config: { name: arch.name ?? 'model_1', layers: [input, ...layers], input_layers: [[r.inputName, 0, 0]], output_layers: [[arch.output, 0, 0]] },
  };
}

/**
 * The bytes of a Keras .h5: `full` false is `model.save_weights(path)`, true is `model.save(path)`
 * (without optimizer weights). `modelConfig` replaces the generated config (for hostile-config specs).
 */
export async function kerasH5Bytes(
  arch: Architecture,
  weights: readonly F32Tensor[],
  opts: { full?: boolean; modelConfig?: string } = {},
): Promise<Uint8Array> {
  await h5wasm.ready;
  // h5wasm's Node build writes to the real file system (NODERAWFS): a private temporary directory.
  const dir = mkdtempSync(join(tmpdir(), 'mnist-spec-keras-'));
  const path = join(dir, 'model.h5');
  try {
    const f = new h5wasm.File(path, 'w');
    try {
      const r = resolveArchitecture(arch);
      if (opts.full) {
        writeScalarString(f, 'keras_version', KERAS_VERSION);
        writeScalarString(f, 'backend', 'tensorflow');
        writeScalarString(f, 'model_config', opts.modelConfig ?? JSON.stringify(kerasModelConfig(arch)));
        writeScalarString(
          f,
          'training_config',
          JSON.stringify({
            optimizer_config: { class_name: 'RMSprop', config: { lr: 0.001, rho: 0.9, decay: 0.0, epsilon: 1e-7 } },
            loss: 'categorical_crossentropy',
            metrics: ['accuracy'],
            sample_weight_mode: null,
            loss_weights: null,
          }),
        );
        writeWeightsGroup(f.create_group('model_weights'), r.layers, weights, arch, r.inputName);
      } else {
        writeWeightsGroup(f, r.layers, weights, arch, r.inputName);
      }
    } finally {
      f.close();
    }
    return new Uint8Array(readFileSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
