import { availableParallelism } from 'node:os';
import '../../util/no-telemetry.js';
import * as ort from 'onnxruntime-node';

/**
 * How the engine runs its graphs: onnxruntime-node's CPU execution provider (MLAS kernels), one
 * intra-op thread per core (MNIST_SPEC_ENGINE_THREADS overrides), sequential execution, full graph
 * optimization, no spin-waiting. With a fixed thread count the kernels partition work the same way every run, so a seed
 * names one run exactly.
 */
export const ORT_VERSION: string = ort.env.versions.node ?? ort.env.versions.common;

export function engineThreads(): number {
  const env = process.env.MNIST_SPEC_ENGINE_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (Number.isInteger(n) && n > 0) return n;
    throw new RangeError(`MNIST_SPEC_ENGINE_THREADS must be a positive integer, got "${env}"`);
  }
  return availableParallelism();
}

export function createSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: engineThreads(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Errors only: its warnings (an unused shape constant) are about our own graphs, nothing a user can act on.
    logSeverityLevel: 3,
    // Idle pool threads sleep instead of spinning. Measured on 2 cores: alone, the MLP trains as fast either way
    // (26k samples/s); two trainings side by side (vitest's two workers, the full tier) each fall to 10k/s when
    // their threads spin against each other, and keep 17.5k/s when they don't. Numerics do not change.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
    // For engine work: MNIST_SPEC_ENGINE_PROFILE=prefix writes onnxruntime's per-node timings (Chrome trace JSON).
    ...(process.env.MNIST_SPEC_ENGINE_PROFILE ? { enableProfiling: true, profileFilePrefix: process.env.MNIST_SPEC_ENGINE_PROFILE } : {}),
  });
}

export function f32Tensor(data: Float32Array, shape: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, shape as number[]);
}

export { ort };
