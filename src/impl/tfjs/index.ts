import * as tf from '@tensorflow/tfjs';
import { initialWeights } from '../../arch/init.js';
import { resolveArchitecture } from '../../arch/resolve.js';
import { ArgumentError } from '../../errors.js';
import { LAYER_TYPES, type Architecture } from '../../arch/types.js';
import type { BuildOptions, Implementation, ImplementationInfo, Model } from '../interface.js';
import { ensureBackend } from './backend.js';
import { buildTfjsModel } from './build.js';
import { TfjsModel, TRAIN_CAPABILITY } from './model.js';

/**
 * The reference implementation: TensorFlow.js layers (tfjs-node when installed, else wasm), trained by
 * the shared Keras fit loop (src/train/loop.ts) with Keras 2.2's optimizers, losses, dropout and
 * batch-norm updates written as tf ops.
 */
const tfjsImplementation: Implementation = {
  name: 'tfjs',
  version: tf.version.tfjs,
  capabilities: { layers: LAYER_TYPES, train: TRAIN_CAPABILITY },

  async info(): Promise<ImplementationInfo> {
    const state = await ensureBackend();
    // liveTensors: what the runtime holds right now, so a spec can see that dispose and fit free their tensors.
    return { backend: state.name, details: { ...state.details, liveTensors: tf.memory().numTensors } };
  },

  async build(arch: Architecture, options: BuildOptions = {}): Promise<Model> {
    const resolved = resolveArchitecture(arch);
    await ensureBackend();
    // No seed: fresh random weights, as Keras gives.
    const seed = options.seed ?? Math.floor(Math.random() * 0x7fffffff);
    if (!Number.isSafeInteger(seed)) throw new ArgumentError('seed', `must be an integer, got ${seed}`);
    const model = new TfjsModel(buildTfjsModel(resolved, arch.name), resolved);
    // Keras's initializers drawn from the project's Rng (src/arch/init.ts): the same seed gives the same
    // weights here as in every other implementation that uses them.
    await model.setWeights(initialWeights(resolved, seed));
    return model;
  },
};

export default tfjsImplementation;
