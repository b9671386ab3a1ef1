/**
 * The package root, `import … from 'mnist-spec'`: what an implementation written outside this repository needs — the
 * interface and the types that cross it — and the helpers a porter may reuse to describe a model the Keras way.
 * An implementation never needs to import anything else from the package (and never our error classes: the specs
 * judge an error by its `name` and the fields the interface documents, see src/impl/interface.ts).
 */
export type { BuildOptions, Capabilities, Implementation, ImplementationInfo, ImplementationModule, LayerInfo, Model, NamedWeight } from '../impl/interface.js';
export type {
  ActivationName,
  Architecture,
  BatchNormalizationSpec,
  Conv2DSpec,
  DenseSpec,
  DropoutSpec,
  FlattenSpec,
  FunctionalArchitecture,
  LayerSpec,
  LayerType,
  MaxPooling2DSpec,
  ReshapeSpec,
  SequentialArchitecture,
} from '../arch/types.js';
export { LAYER_TYPES } from '../arch/types.js';
export type { F32Tensor, Tensor, TypedArray } from '../tensor.js';
export type { EpochLog, FitCallbacks, FitConfig, History, LossName, OptimizerSpec, OptimizerType } from '../train/config.js';
export { KERAS_OPTIMIZER_DEFAULTS, resolveOptimizer } from '../train/config.js';
/**
 * Keras's layer names, inferred shapes and weight shapes of an architecture: what `layers()` and `getWeights()` report
 * (`layerInfosOf` gives the rows of `layers()`), and `checkWeights`, which refuses a weight list as the contract asks.
 */
export {
  checkWeights,
  layerInfosOf,
  modelWeightSpecs,
  resolveArchitecture,
  type ResolvedArchitecture,
  type ResolvedLayer,
  type WeightSpec,
} from '../arch/resolve.js';
export { VERSION } from '../version.js';
