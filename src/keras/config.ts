import { resolveArchitecture } from '../arch/resolve.js';
import type { ActivationName, Architecture, FunctionalLayerSpec, LayerSpec } from '../arch/types.js';
import { DataFormatError, UnsupportedError } from '../errors.js';

/**
 * A Keras `model_config` (what `model.save` stores: `{"class_name": ..., "config": model.get_config()}`)
 * as our declarative architecture. Sequential models (Keras 2.2.0-2.2.4 store the layer list itself as
 * config; 2.2.5+ and tf.keras `{name, layers}`) and single-input, single-output functional models
 * (`Model`, tf.keras `Functional`) whose layers form one chain. Layers: Dense, Dropout, Flatten, Reshape,
 * Conv2D, BatchNormalization, Activation, MaxPooling2D, InputLayer, with Keras's argument names.
 *
 * The JSON is untrusted: a malformed config → DataFormatError(file, 'model_config', where and what); a
 * well-formed layer or option outside that scope → UnsupportedError naming the layer.
 */
const ACTIVATIONS: readonly ActivationName[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];
const SUPPORTED = 'Dense, Dropout, Flatten, Reshape, Conv2D, BatchNormalization, Activation, MaxPooling2D, InputLayer';
/** More layers than any MNIST model has by orders of magnitude: a bound on the work a hostile config causes. */
const MAX_LAYERS = 10_000;

type Json = Record<string, unknown>;

class ConfigReader {
  /** BatchNormalization axes as Keras counts them (batch axis included), checked once shapes are known. */
  readonly bnAxes = new Map<string, number>();
  constructor(private readonly file: string) {}

  bad(where: string, detail: string): DataFormatError {
    return new DataFormatError(this.file, 'model_config', `${where}: ${detail}`);
  }
  unsupported(layer: string, cls: string, detail: string): UnsupportedError {
    return new UnsupportedError(`${this.file}: model_config: layer "${layer}" (${cls}) ${detail}`);
  }

  object(v: unknown, where: string): Json {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw this.bad(where, 'expected an object');
    return v as Json;
  }
  array(v: unknown, where: string): unknown[] {
    if (!Array.isArray(v)) throw this.bad(where, 'expected a list');
    return v;
  }
  string(v: unknown, where: string): string {
    if (typeof v !== 'string') throw this.bad(where, 'expected a string');
    return v;
  }
  positive(v: unknown, where: string): number {
    if (!Number.isSafeInteger(v) || (v as number) < 1) throw this.bad(where, `expected a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  }
  /** Keras's `normalize_tuple`: an int or a pair of ints. */
  pair(v: unknown, where: string): [number, number] {
    const list = typeof v === 'number' ? [v, v] : this.array(v, where);
    if (list.length !== 2) throw this.bad(where, `expected 2 values, got ${list.length}`);
    return [this.positive(list[0], `${where}[0]`), this.positive(list[1], `${where}[1]`)];
  }
  /** `batch_input_shape` [null, ...dims] (Keras 2) or `batch_shape` (Keras 3): the dims. */
  inputShape(config: Json, where: string): number[] | undefined {
    const key = 'batch_input_shape' in config ? 'batch_input_shape' : 'batch_shape' in config ? 'batch_shape' : undefined;
    if (!key) return undefined;
    const dims = this.array(config[key], `${where}.${key}`);
    if (dims.length < 2) throw this.bad(`${where}.${key}`, 'expected (batch, ...dims)');
    return dims.slice(1).map((d, i) => this.positive(d, `${where}.${key}[${i + 1}]`));
  }
}

/** One layer's config → our spec. `name` is the Keras layer name. */
function layerSpec(r: ConfigReader, cls: string, name: string, c: Json, where: string): LayerSpec {
  const activation = (key: string): ActivationName => {
    const a = c[key] ?? 'linear';
    if (typeof a !== 'string') throw r.unsupported(name, cls, `has a custom ${key} (${JSON.stringify(a).slice(0, 80)}); supported: ${ACTIVATIONS.join(', ')}`);
    if (!(ACTIVATIONS as readonly string[]).includes(a)) throw r.unsupported(name, cls, `has ${key} "${a}"; supported: ${ACTIVATIONS.join(', ')}`);
    return a as ActivationName;
  };
  const channelsLast = (): void => {
    if (c.data_format !== undefined && c.data_format !== null && c.data_format !== 'channels_last') {
      throw r.unsupported(name, cls, `has data_format ${JSON.stringify(c.data_format)}; only channels_last is supported`);
    }
  };
  const padding = (): 'valid' | 'same' => {
    const p = c.padding ?? 'valid';
    if (p !== 'valid' && p !== 'same') throw r.unsupported(name, cls, `has padding ${JSON.stringify(p)}; supported: valid, same`);
    return p;
  };
  const useBias = (): boolean => {
    if (c.use_bias !== undefined && typeof c.use_bias !== 'boolean') throw r.bad(`${where}.use_bias`, 'expected true or false');
    return c.use_bias !== false;
  };
  switch (cls) {
    case 'Dense':
      return { type: 'Dense', name, units: r.positive(c.units, `${where}.units`), activation: activation('activation'), useBias: useBias() };
    case 'Dropout': {
      const rate = c.rate;
      if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw r.bad(`${where}.rate`, `expected a rate in [0, 1), got ${JSON.stringify(rate)}`);
      return { type: 'Dropout', name, rate };
    }
    case 'Activation':
      return { type: 'Activation', name, activation: activation('activation') };
    case 'Flatten':
      channelsLast();
      return { type: 'Flatten', name };
    case 'Reshape': {
      const target = r.array(c.target_shape, `${where}.target_shape`).map((d, i) => (d === -1 ? -1 : r.positive(d, `${where}.target_shape[${i}]`)));
      return { type: 'Reshape', name, targetShape: target };
    }
    case 'Conv2D': {
      channelsLast();
      if (c.dilation_rate !== undefined && r.pair(c.dilation_rate, `${where}.dilation_rate`).some((d) => d !== 1)) {
        throw r.unsupported(name, cls, 'has a dilation_rate other than 1');
      }
      if (c.groups !== undefined && c.groups !== 1) throw r.unsupported(name, cls, 'has groups other than 1');
      return {
        type: 'Conv2D',
        name,
        filters: r.positive(c.filters, `${where}.filters`),
        kernelSize: r.pair(c.kernel_size, `${where}.kernel_size`),
        strides: c.strides === undefined ? [1, 1] : r.pair(c.strides, `${where}.strides`),
        padding: padding(),
        activation: activation('activation'),
        useBias: useBias(),
      };
    }
    case 'MaxPooling2D': {
      channelsLast();
      const poolSize = r.pair(c.pool_size ?? [2, 2], `${where}.pool_size`);
      return {
        type: 'MaxPooling2D',
        name,
        poolSize,
        strides: c.strides === undefined || c.strides === null ? poolSize : r.pair(c.strides, `${where}.strides`),
        padding: padding(),
      };
    }
    case 'BatchNormalization': {
      // Without center or scale Keras stores fewer weights; our layer always has all four.
      if (c.center === false || c.scale === false) throw r.unsupported(name, cls, 'has center or scale off; only the default (both on) is supported');
      const axis = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : (c.axis ?? -1);
      if (!Number.isInteger(axis)) throw r.bad(`${where}.axis`, `expected an axis, got ${JSON.stringify(c.axis)}`);
      const num = (key: string, dflt: number): number => {
        const v = c[key] ?? dflt;
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw r.bad(`${where}.${key}`, `expected a non-negative number, got ${JSON.stringify(v)}`);
        return v;
      };
      r.bnAxes.set(name, axis as number);
      return { type: 'BatchNormalization', name, axis: -1, momentum: num('momentum', 0.99), epsilon: num('epsilon', 1e-3) };
    }
    default:
      throw r.unsupported(name, cls, `is not supported; supported layers: ${SUPPORTED}`);
  }
}

interface RawLayer {
  cls: string;
  name: string;
  config: Json;
  where: string;
  /** Functional only: the layers this one is called on. */
  inbound: string[];
}

function rawLayer(r: ConfigReader, v: unknown, where: string, functional: boolean): RawLayer {
  const o = r.object(v, where);
  const cls = r.string(o.class_name, `${where}.class_name`);
  const config = r.object(o.config, `${where}.config`);
  const name = r.string(functional ? (o.name ?? config.name) : config.name, `${where}.config.name`);
  if (!/^[A-Za-z0-9_.\-/]{1,200}$/.test(name)) throw r.bad(`${where}.config.name`, `not a usable layer name: ${JSON.stringify(name).slice(0, 80)}`);
  const inbound: string[] = [];
  if (functional) {
    // Keras 2: inbound_nodes [[[layer, node_index, tensor_index, kwargs], ...], ...]: one call of one tensor here.
    const nodes = r.array(o.inbound_nodes ?? [], `${where}.inbound_nodes`);
    if (nodes.length > 1) throw r.unsupported(name, cls, 'is called more than once (shared layer)');
    if (nodes.length === 1) {
      const tensors = r.array(nodes[0], `${where}.inbound_nodes[0]`);
      if (tensors.length !== 1) throw r.unsupported(name, cls, `takes ${tensors.length} inputs; only single-input layers are supported`);
      const t = r.array(tensors[0], `${where}.inbound_nodes[0][0]`);
      inbound.push(r.string(t[0], `${where}.inbound_nodes[0][0][0]`));
    }
  }
  return { cls, name, config, where, inbound };
}

/** Keras's model_config JSON → Architecture (see the top of this file). */
export function architectureFromKerasConfig(json: unknown, file: string): Architecture {
  const r = new ConfigReader(file);
  const top = r.object(json, 'model_config');
  const cls = r.string(top.class_name, 'class_name');
  let arch: Architecture;
  if (cls === 'Sequential') {
    const list = Array.isArray(top.config) ? top.config : r.array(r.object(top.config, 'config').layers, 'config.layers');
    if (list.length > MAX_LAYERS) throw r.bad('config.layers', `${list.length} layers (more than ${MAX_LAYERS})`);
    const raws = list.map((v, i) => rawLayer(r, v, `config.layers[${i}]`, false));
    let inputShape: number[] | undefined;
    if (raws[0]?.cls === 'InputLayer') inputShape = r.inputShape(raws.shift()!.config, 'config.layers[0].config');
    const first = raws[0];
    if (!first) throw r.bad('config.layers', 'no layers');
    inputShape ??= r.inputShape(first.config, `${first.where}.config`);
    if (!inputShape) throw r.bad(`${first.where}.config`, 'the first layer has no batch_input_shape: the model was never built');
    for (const l of raws) if (l.cls === 'InputLayer') throw r.unsupported(l.name, l.cls, 'appears after the first layer');
    const name = Array.isArray(top.config) ? undefined : (top.config as Json).name;
    const layers = raws.map((l) => layerSpec(r, l.cls, l.name, l.config, `${l.where}.config`));
    arch = { kind: 'sequential', ...(typeof name === 'string' ? { name } : {}), inputShape, layers };
  } else if (cls === 'Model' || cls === 'Functional') {
    const c = r.object(top.config, 'config');
    const list = r.array(c.layers, 'config.layers');
    if (list.length > MAX_LAYERS) throw r.bad('config.layers', `${list.length} layers (more than ${MAX_LAYERS})`);
    const raws = list.map((v, i) => rawLayer(r, v, `config.layers[${i}]`, true));
    const endpoint = (key: string): string => {
      const ends = r.array(c[key], `config.${key}`);
      // Keras 2 lists [[name, 0, 0], ...]; Keras 3 a bare [name, 0, 0] for a single tensor.
      const one = typeof ends[0] === 'string' ? ends : ends.length === 1 ? r.array(ends[0], `config.${key}[0]`) : undefined;
      if (!one) throw new UnsupportedError(`${file}: model_config: ${ends.length} ${key}; only single-input, single-output models are supported`);
      return r.string(one[0], `config.${key}[0][0]`);
    };
    const inputName = endpoint('input_layers');
    const outputName = endpoint('output_layers');
    const inputs = raws.filter((l) => l.cls === 'InputLayer');
    const input = inputs.find((l) => l.name === inputName);
    if (!input || inputs.length !== 1)
      throw r.bad('config.input_layers', `expected one InputLayer named "${inputName}", found ${inputs.map((l) => l.name).join(', ') || 'none'}`);
    const shape = r.inputShape(input.config, `${input.where}.config`);
    if (!shape) throw r.bad(`${input.where}.config`, 'InputLayer without batch_input_shape');
    const layers = raws
      .filter((l) => l !== input)
      .map((l): FunctionalLayerSpec => {
        if (l.inbound.length !== 1) throw r.bad(`${l.where}.inbound_nodes`, `layer "${l.name}" is not called on anything`);
        return { ...layerSpec(r, l.cls, l.name, l.config, `${l.where}.config`), name: l.name, inbound: l.inbound[0]! } as FunctionalLayerSpec;
      });
    arch = { kind: 'functional', ...(typeof c.name === 'string' ? { name: c.name } : {}), input: { name: inputName, shape }, layers, output: outputName };
  } else {
    throw new UnsupportedError(`${file}: model_config: a ${cls} model is not supported; supported: Sequential, Model (functional)`);
  }
  checkShapes(r, arch);
  return arch;
}

/** Resolve the shapes (a config that does not fit together is a bad file) and check each BatchNormalization axis. */
function checkShapes(r: ConfigReader, arch: Architecture): void {
  let resolved;
  try {
    resolved = resolveArchitecture(arch);
  } catch (e) {
    if (e instanceof UnsupportedError) throw e;
    throw r.bad('layers', (e as Error).message);
  }
  for (const l of resolved.layers) {
    if (l.type !== 'BatchNormalization') continue;
    const axis = r.bnAxes.get(l.name) ?? -1;
    // Keras counts the batch axis: the channels axis of an input of rank k (batch excluded) is k, or -1.
    if (axis !== -1 && axis !== l.inputShape.length)
      throw r.unsupported(l.name, 'BatchNormalization', `normalizes axis ${axis}; only the channels axis (-1) is supported`);
  }
}
