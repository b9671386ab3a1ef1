/**
 * Declarative architectures, shaped like a Keras model config: a layer list with Keras class names
 * and Keras argument names (camelCased), so a notebook's `model.add(...)` lines read across directly.
 * Shapes exclude the batch axis, as Keras `input_shape` does. Channels-last throughout (Keras default).
 */
export type ActivationName = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax';

interface Named {
  /** Keras layer name; when absent, Keras's default (`dense_1`, `dropout_2`, …) is assigned. */
  name?: string;
}
export interface DenseSpec extends Named {
  type: 'Dense';
  units: number;
  activation?: ActivationName;
  useBias?: boolean;
}
export interface DropoutSpec extends Named {
  type: 'Dropout';
  rate: number;
}
export interface ActivationSpec extends Named {
  type: 'Activation';
  activation: ActivationName;
}
export interface FlattenSpec extends Named {
  type: 'Flatten';
}
export interface ReshapeSpec extends Named {
  type: 'Reshape';
  targetShape: number[];
}
export interface Conv2DSpec extends Named {
  type: 'Conv2D';
  filters: number;
  kernelSize: [number, number];
  strides?: [number, number];
  padding?: 'valid' | 'same';
  activation?: ActivationName;
  useBias?: boolean;
}
export interface BatchNormalizationSpec extends Named {
  type: 'BatchNormalization';
  /** Only the channels axis (-1) is in scope, as in every notebook. */
  axis?: -1;
  momentum?: number;
  epsilon?: number;
}
export interface MaxPooling2DSpec extends Named {
  type: 'MaxPooling2D';
  poolSize: [number, number];
  strides?: [number, number];
  padding?: 'valid' | 'same';
}

export type LayerSpec = DenseSpec | DropoutSpec | ActivationSpec | FlattenSpec | ReshapeSpec | Conv2DSpec | BatchNormalizationSpec | MaxPooling2DSpec;
export type LayerType = LayerSpec['type'];
export const LAYER_TYPES: readonly LayerType[] = ['Dense', 'Dropout', 'Activation', 'Flatten', 'Reshape', 'Conv2D', 'BatchNormalization', 'MaxPooling2D'];

/** `Sequential([...])` with the first layer's `input_shape`. */
export interface SequentialArchitecture {
  kind: 'sequential';
  name?: string;
  inputShape: number[];
  layers: LayerSpec[];
}

/** A functional-API layer: the same spec plus the one layer (or input) it is called on. */
export type FunctionalLayerSpec = LayerSpec & { name: string; inbound: string };

/** `Model(inputs=Input(shape), outputs=...)`. Every layer type in scope takes one input. */
export interface FunctionalArchitecture {
  kind: 'functional';
  name?: string;
  input: { name: string; shape: number[] };
  layers: FunctionalLayerSpec[];
  output: string;
}

export type Architecture = SequentialArchitecture | FunctionalArchitecture;

/** One row of `model.summary()`: Keras class name, output shape with the batch axis as null. */
export interface LayerInfo {
  name: string;
  type: string;
  outputShape: (number | null)[];
  params: number;
  trainableParams: number;
}
