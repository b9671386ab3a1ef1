import { initialWeights } from '../../arch/init.js';
import { resolveArchitecture } from '../../arch/resolve.js';
import { LAYER_TYPES, type Architecture } from '../../arch/types.js';
import { ArgumentError } from '../../errors.js';
import type { OptimizerType } from '../../train/config.js';
import type { BuildOptions, Implementation, ImplementationInfo, Model } from '../interface.js';
import { OPSET } from './graph.js';
import { ledger } from './ledger.js';
import { EngineModel, LOSSES } from './model.js';
import { engineThreads, ORT_VERSION } from './session.js';

/**
 * mnist-spec's own engine, independent of TensorFlow.js: every layer's forward and backward, Keras 2.2's
 * losses and optimizers, written for this project as ONNX operator graphs (src/impl/engine/layers.ts,
 * program.ts). A training step — forward in training mode, loss, backward to every gradient — is one graph,
 * executed by onnxruntime's CPU kernels (MLAS GEMMs over all cores); every parameter's optimizer update then
 * runs in place in WebAssembly SIMD (update.wat), one pass where the graph took up to 13; weights and
 * optimizer state stay in place between steps. Initial weights come from src/arch/init.ts, dropout masks and
 * shuffling from the project's seeded Rng (src/train/loop.ts), so a seed names one run.
 */
const OPTIMIZERS: readonly OptimizerType[] = ['sgd', 'rmsprop', 'adam'];

const engine: Implementation = {
  name: 'engine',
  version: `0.1.0+onnxruntime-${ORT_VERSION}`,
  capabilities: { layers: LAYER_TYPES, train: { optimizers: OPTIMIZERS, losses: LOSSES } },

  async info(): Promise<ImplementationInfo> {
    return {
      backend: 'onnxruntime-cpu',
      details: {
        executes: 'training-step graphs (forward, backward) as ONNX operators; optimizer updates in WebAssembly SIMD',
        onnxruntime: ORT_VERSION,
        intraOpThreads: engineThreads(),
        opset: OPSET,
        liveTensors: ledger.count,
      },
    };
  },

  async build(arch: Architecture, options: BuildOptions = {}): Promise<Model> {
    const resolved = resolveArchitecture(arch);
    // No seed: fresh random weights, as Keras gives.
    const seed = options.seed ?? Math.floor(Math.random() * 0x7fffffff);
    if (!Number.isSafeInteger(seed)) throw new ArgumentError('seed', `must be an integer, got ${seed}`);
    return new EngineModel(resolved, initialWeights(resolved, seed));
  },
};

export default engine;
