import { ArgumentError, UnsupportedError } from '../errors.js';
import { shapeString, sizeOf, type F32Tensor } from '../tensor.js';
import type { LayerInfo } from './types.js';
import type { Architecture, LayerSpec, LayerType } from './types.js';

/** A layer with its Keras name settled and its shapes inferred. Shapes exclude the batch axis. */
export type ResolvedLayer = LayerSpec & {
  name: string;
  inputShape: number[];
  outputShape: number[];
};

export interface WeightSpec {
  /** Keras variable name inside the layer: kernel, bias, gamma, beta, moving_mean, moving_variance. */
  name: string;
  shape: number[];
  trainable: boolean;
}

/** The layers of a model in execution order, as every implementation builds them. */
export interface ResolvedArchitecture {
  kind: Architecture['kind'];
  inputName: string;
  inputShape: number[];
  layers: ResolvedLayer[];
  outputShape: number[];
}

const KERAS_PREFIX: Record<LayerType, string> = {
  Dense: 'dense',
  Dropout: 'dropout',
  Activation: 'activation',
  Flatten: 'flatten',
  Reshape: 'reshape',
  Conv2D: 'conv2d',
  BatchNormalization: 'batch_normalization',
  MaxPooling2D: 'max_pooling2d',
};

function convOut(size: number, k: number, s: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;
}

/** Output shape of one layer given its input shape (Keras semantics, channels-last). */
export function outputShapeOf(layer: LayerSpec, input: number[], where: string): number[] {
  switch (layer.type) {
    case 'Dense':
      return [...input.slice(0, -1), layer.units];
    case 'Dropout':
    case 'Activation':
    case 'BatchNormalization':
      return [...input];
    case 'Flatten':
      return [sizeOf(input)];
    case 'Reshape': {
      const known = layer.targetShape.filter((d) => d !== -1);
      const free = layer.targetShape.length - known.length;
      if (free > 1) throw new ArgumentError(`${where}.targetShape`, 'at most one -1');
      const shape = layer.targetShape.map((d) => (d === -1 ? sizeOf(input) / sizeOf(known) : d));
      if (sizeOf(shape) !== sizeOf(input) || !shape.every(Number.isInteger)) {
        throw new ArgumentError(
          `${where}.targetShape`,
          `cannot reshape (${input.join(', ')}) with ${sizeOf(input)} values into (${layer.targetShape.join(', ')})`,
        );
      }
      return shape;
    }
    case 'Conv2D':
    case 'MaxPooling2D': {
      if (input.length !== 3) {
        throw new ArgumentError(where, `${layer.type} needs a (height, width, channels) input, got (${input.join(', ')})`);
      }
      const [k0, k1] = layer.type === 'Conv2D' ? layer.kernelSize : layer.poolSize;
      const [s0, s1] = layer.strides ?? (layer.type === 'Conv2D' ? [1, 1] : layer.poolSize);
      const pad = layer.padding ?? 'valid';
      const h = convOut(input[0]!, k0, s0, pad);
      const w = convOut(input[1]!, k1, s1, pad);
      if (h < 1 || w < 1) throw new ArgumentError(where, `${layer.type} window larger than its input (${input.join(', ')})`);
      return [h, w, layer.type === 'Conv2D' ? layer.filters : input[2]!];
    }
    default: {
      const never: never = layer;
      throw new UnsupportedError(`${where}: unknown layer type ${(never as { type: string }).type}`);
    }
  }
}

/** The weights a layer owns, in Keras order and layout (Dense kernel [in, out]; Conv2D kernel [kh, kw, in, out]). */
export function weightSpecsOf(layer: LayerSpec, input: number[]): WeightSpec[] {
  switch (layer.type) {
    case 'Dense': {
      const w: WeightSpec[] = [{ name: 'kernel', shape: [input[input.length - 1]!, layer.units], trainable: true }];
      if (layer.useBias ?? true) w.push({ name: 'bias', shape: [layer.units], trainable: true });
      return w;
    }
    case 'Conv2D': {
      const w: WeightSpec[] = [{ name: 'kernel', shape: [...layer.kernelSize, input[2]!, layer.filters], trainable: true }];
      if (layer.useBias ?? true) w.push({ name: 'bias', shape: [layer.filters], trainable: true });
      return w;
    }
    case 'BatchNormalization': {
      const c = input[input.length - 1]!;
      return [
        { name: 'gamma', shape: [c], trainable: true },
        { name: 'beta', shape: [c], trainable: true },
        { name: 'moving_mean', shape: [c], trainable: false },
        { name: 'moving_variance', shape: [c], trainable: false },
      ];
    }
    default:
      return [];
  }
}

/** Settle Keras default names, order the layers, and infer every shape. Throws ArgumentError naming the layer. */
export function resolveArchitecture(arch: Architecture): ResolvedArchitecture {
  const counters = new Map<string, number>();
  const defaultName = (type: LayerType): string => {
    const prefix = KERAS_PREFIX[type];
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    return `${prefix}_${n}`;
  };
  let ordered: LayerSpec[];
  let inputShape: number[];
  let inputName: string;
  if (arch.kind === 'sequential') {
    ordered = arch.layers;
    inputShape = arch.inputShape;
    inputName = `${arch.layers[0] ? KERAS_PREFIX[arch.layers[0].type] : 'input'}_input`;
  } else {
    // Every layer type in scope has one input, so a single-output functional model is a chain: walk it back.
    const byName = new Map(arch.layers.map((l) => [l.name, l]));
    const chain: LayerSpec[] = [];
    let cursor = arch.output;
    const seen = new Set<string>();
    while (cursor !== arch.input.name) {
      const layer = byName.get(cursor);
      if (!layer) throw new ArgumentError(`architecture.layers`, `"${cursor}" is not a layer or the input`);
      if (seen.has(cursor)) throw new ArgumentError(`architecture.layers.${cursor}`, 'cycle in the layer graph');
      seen.add(cursor);
      chain.unshift(layer);
      cursor = layer.inbound;
    }
    const unused = arch.layers.filter((l) => !seen.has(l.name)).map((l) => l.name);
    if (unused.length) throw new UnsupportedError(`functional model: layers not on the path to the output: ${unused.join(', ')}`);
    ordered = chain;
    inputShape = arch.input.shape;
    inputName = arch.input.name;
  }
  if (!inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ArgumentError('architecture.inputShape', `dimensions must be positive integers, got (${inputShape.join(', ')})`);
  }
  const names = new Set<string>();
  let shape = [...inputShape];
  const layers = ordered.map((spec, i) => {
    const name = spec.name ?? defaultName(spec.type);
    if (names.has(name)) throw new ArgumentError(`architecture.layers[${i}].name`, `duplicate layer name "${name}"`);
    names.add(name);
    const outputShape = outputShapeOf(spec, shape, `architecture.layers[${i}] (${name})`);
    const resolved = { ...spec, name, inputShape: shape, outputShape } as ResolvedLayer;
    shape = outputShape;
    return resolved;
  });
  return { kind: arch.kind, inputName, inputShape: [...inputShape], layers, outputShape: shape };
}

export interface ParamCount {
  total: number;
  trainable: number;
  nonTrainable: number;
}

export function paramCountOf(weights: readonly WeightSpec[]): ParamCount {
  let trainable = 0;
  let nonTrainable = 0;
  for (const w of weights) {
    if (w.trainable) trainable += sizeOf(w.shape);
    else nonTrainable += sizeOf(w.shape);
  }
  return { total: trainable + nonTrainable, trainable, nonTrainable };
}

/** All weights of a model in Keras `model.get_weights()` order, each tagged with its layer. */
export function modelWeightSpecs(resolved: ResolvedArchitecture): (WeightSpec & { layer: string })[] {
  return resolved.layers.flatMap((l) => weightSpecsOf(l, l.inputShape).map((w) => ({ ...w, layer: l.name })));
}

/**
 * `model.summary()` rows derived from the architecture alone: what an implementation that builds its
 * graph from a ResolvedArchitecture (onnxruntime, engine) reports. tfjs reports its own, from TF.js.
 */
export function layerInfosOf(resolved: ResolvedArchitecture): LayerInfo[] {
  return resolved.layers.map((l) => {
    const count = paramCountOf(weightSpecsOf(l, l.inputShape));
    return { name: l.name, type: l.type, outputShape: [null, ...l.outputShape], params: count.total, trainableParams: count.trainable };
  });
}

/** Weights in Keras order with Keras shapes, or an ArgumentError naming the index and `layer/name`. */
export function checkWeights(resolved: ResolvedArchitecture, weights: readonly F32Tensor[], argument = 'weights'): void {
  const specs = modelWeightSpecs(resolved);
  if (weights.length !== specs.length) {
    throw new ArgumentError(
      argument,
      `the model has ${specs.length} weight tensors (${specs.map((s) => `${s.layer}/${s.name}`).join(', ')}), got ${weights.length}`,
    );
  }
  specs.forEach((spec, i) => {
    const w = weights[i]!;
    const where = `${argument}[${i}] (${spec.layer}/${spec.name})`;
    const same = w.shape.length === spec.shape.length && w.shape.every((d, j) => d === spec.shape[j]);
    if (!same) throw new ArgumentError(where, `expected shape ${shapeString(spec.shape)}, got ${shapeString(w.shape)}`);
    if (!(w.data instanceof Float32Array) || w.data.length !== sizeOf(spec.shape)) {
      throw new ArgumentError(where, `expected a Float32Array of ${sizeOf(spec.shape)} values`);
    }
  });
}
