/**
 * plain-ts: a complete, training-capable mnist-spec implementation in plain TypeScript, with no runtime behind
 * it — the template to copy when porting the notebooks' models to your own runtime. It imports nothing but the
 * package root ('mnist-spec': the interface's types and Keras's names and shapes of an architecture), draws its
 * own initial weights, and throws plain Errors with a `name` and the documented fields.
 *
 *   layers.ts, conv.ts   every Keras layer type, forward and backward, inference and training mode
 *   activations.ts       linear, relu, sigmoid, tanh, softmax
 *   losses.ts            categorical cross-entropy (Keras's clip) and mean squared error
 *   optimizers.ts        Keras 2.2's SGD (momentum, nesterov, decay), RMSprop, Adam (amsgrad, decay)
 *   fit.ts               Keras's fit loop: validation split or data, shuffling each epoch, batches, History
 *   model.ts             the model: build, weights in Keras order and layout, predict, one training step
 *   gemm.ts              the matrix products (the only heavy arithmetic: replace these with your runtime's)
 *   random.ts            the seeded random stream; glorot-uniform
 *
 * Prove a port conforms: `npx mnist-spec conform --impl ./my-runtime/index.ts` (see examples/README.md).
 * examples/faulty/ builds this implementation with one piece replaced by a buggy one: createPlainTs({ ... }).
 */
import { LAYER_TYPES, type Architecture, type BuildOptions, type Implementation, type LayerType, type Model, type OptimizerType, type LossName } from 'mnist-spec';
import { KERAS_ACTIVATIONS } from './activations.js';
import { Conv2DLayer, MaxPooling2DLayer } from './conv.js';
import { KerasFitLoop } from './fit.js';
import { ActivationLayer, BatchNormalizationLayer, DenseLayer, DropoutLayer, FlattenLayer, ReshapeLayer } from './layers.js';
import { KERAS_LOSSES } from './losses.js';
import { LIVE_MODELS, PlainModel, type LayerFactory, type Parts } from './model.js';
import { KERAS_OPTIMIZERS } from './optimizers.js';

export const KERAS_LAYERS: Record<LayerType, LayerFactory> = {
  Dense: (spec, context) => new DenseLayer(spec as DenseLayer['spec'], context),
  Activation: (spec, context) => new ActivationLayer(spec as ActivationLayer['spec'], context),
  Dropout: (spec, context) => new DropoutLayer(spec as DropoutLayer['spec'], context),
  Flatten: (spec, context) => new FlattenLayer(spec as FlattenLayer['spec'], context),
  Reshape: (spec, context) => new ReshapeLayer(spec as ReshapeLayer['spec'], context),
  Conv2D: (spec, context) => new Conv2DLayer(spec as Conv2DLayer['spec'], context),
  BatchNormalization: (spec, context) => new BatchNormalizationLayer(spec as BatchNormalizationLayer['spec'], context),
  MaxPooling2D: (spec, context) => new MaxPooling2DLayer(spec as MaxPooling2DLayer['spec'], context),
};

/** Keras's behaviour, piece by piece. */
export const KERAS_PARTS: Parts = {
  layers: KERAS_LAYERS,
  activations: KERAS_ACTIVATIONS,
  losses: KERAS_LOSSES,
  optimizers: KERAS_OPTIMIZERS,
  FitLoop: KerasFitLoop,
};

/** The implementation, with Keras's parts or some replaced (how examples/faulty/ plant their bugs). */
export function createPlainTs(replaced: Partial<Parts> = {}, name = 'plain-ts'): Implementation {
  const parts: Parts = { ...KERAS_PARTS, ...replaced };
  return {
    name,
    version: '1.0.0',
    capabilities: {
      layers: LAYER_TYPES.filter((t) => t in parts.layers),
      train: { optimizers: Object.keys(parts.optimizers) as OptimizerType[], losses: Object.keys(parts.losses) as LossName[] },
    },
    async info() {
      const liveTensors = [...LIVE_MODELS].reduce((a, m) => a + m.heldArrays(), 0);
      return { backend: 'plain-typescript', details: { file: 'examples/plain-ts/index.ts', liveTensors } };
    },
    async build(arch: Architecture, options: BuildOptions = {}): Promise<Model> {
      // With no seed, fresh random weights, as Keras gives.
      return new PlainModel(arch, parts, options.seed ?? Math.floor(Math.random() * 2 ** 31));
    },
  };
}

export { KERAS_ACTIVATIONS, KERAS_LOSSES, KERAS_OPTIMIZERS, KerasFitLoop, PlainModel };
export type { Parts };
export default createPlainTs();
