import '../../util/no-telemetry.js';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { initialWeights } from '../../arch/init.js';
import { resolveArchitecture } from '../../arch/resolve.js';
import { LAYER_TYPES, type Architecture } from '../../arch/types.js';
import { ArgumentError } from '../../errors.js';
import { DEFAULT_OPSET } from '../../onnx/export.js';
import type { BuildOptions, Implementation, ImplementationInfo, Model } from '../interface.js';
import { OrtModel } from './model.js';

const INTRA_OP_THREADS = availableParallelism();
const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  intraOpNumThreads: INTRA_OP_THREADS,
  graphOptimizationLevel: 'all',
};

const ORT_VERSION = ort.env.versions.node ?? ort.env.versions.common;

/**
 * Inference only, on onnxruntime-node's CPU execution provider: each model is exported to ONNX by
 * src/onnx/export.ts and run as that graph, so every inference spec also judges the export.
 * Initial weights come from src/arch/init.ts (Keras initializers on the project's Rng).
 */
const onnxruntimeImplementation: Implementation = {
  name: 'onnxruntime',
  version: ORT_VERSION,
  capabilities: { layers: LAYER_TYPES },

  async info(): Promise<ImplementationInfo> {
    return { backend: 'onnxruntime-cpu', details: { onnxruntime: ORT_VERSION, intraOpThreads: INTRA_OP_THREADS, opset: DEFAULT_OPSET } };
  },

  async build(arch: Architecture, options: BuildOptions = {}): Promise<Model> {
    const resolved = resolveArchitecture(arch);
    // No seed: fresh random weights, as Keras gives.
    const seed = options.seed ?? Math.floor(Math.random() * 0x7fffffff);
    if (!Number.isSafeInteger(seed)) throw new ArgumentError('seed', `must be an integer, got ${seed}`);
    return new OrtModel(arch, resolved, initialWeights(resolved, seed), ort, SESSION_OPTIONS);
  },
};

export default onnxruntimeImplementation;
