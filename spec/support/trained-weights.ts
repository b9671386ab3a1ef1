import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { modelWeightSpecs, resolveArchitecture } from '../../src/arch/resolve.js';
import { decodeNpz } from '../../src/data/npz.js';
import { getRecipe } from '../../src/recipes/index.js';
import { sizeOf, type F32Tensor } from '../../src/tensor.js';

/**
 * Trained weights every implementation is evaluated with (spec/inference/evaluate.spec.ts): seed 001's
 * network trained by the reference implementation on the embedded training split, stored as int8 per
 * tensor (fixtures/weights/<name>/weights.npz: uint8 q + 128, numpy-readable) with the scales and the
 * float64 Keras reference's own evaluation in reference.json. The weights are defined as the dequantized
 * float32 values, q · scale, so every implementation receives exactly the same floats.
 * Remade by `npx tsx scripts/make-trained-weights.ts` (see fixtures/weights/README.md).
 */
export const TRAINED_DIR = fileURLToPath(new URL('../../fixtures/weights/001-embedded-v1/', import.meta.url));

export interface ReferenceEvaluation {
  /** What the evaluation ran on: 'embedded-v1' test split, or canonical MNIST's 10,000 test images. */
  data: 'embedded' | 'full';
  samples: number;
  accuracy: number;
  loss: number;
  /** The float64 reference's predicted class per test sample, as a string of digits. */
  predictions: string;
}

export interface TrainedManifest {
  recipe: string;
  trainedBy: { implementation: string; version: string; backend: string; data: string; epochs: number; seed: number; finalTrainAccuracy: number };
  quantization: { scheme: string; scales: Record<string, number> };
  evaluations: ReferenceEvaluation[];
}

export const weightKey = (layer: string, name: string): string => `${layer}.${name}`;

export function loadManifest(): TrainedManifest {
  return JSON.parse(readFileSync(`${TRAINED_DIR}reference.json`, 'utf8')) as TrainedManifest;
}

/** The weights, dequantized, in Keras get_weights() order for the manifest's recipe. */
export function loadTrainedWeights(manifest = loadManifest()): F32Tensor[] {
  const specs = modelWeightSpecs(resolveArchitecture(getRecipe(manifest.recipe).arch));
  const keys = specs.map((s) => weightKey(s.layer, s.name));
  const arrays = decodeNpz(new Uint8Array(readFileSync(`${TRAINED_DIR}weights.npz`)), 'weights.npz', keys);
  return specs.map((s, i) => {
    const q = arrays[keys[i]!];
    const scale = manifest.quantization.scales[keys[i]!]!;
    if (sizeOf(q.shape) !== sizeOf(s.shape)) throw new Error(`weights.npz ${keys[i]}: ${q.shape} does not hold ${s.shape}`);
    return { shape: [...s.shape], data: Float32Array.from(q.data, (v) => (v - 128) * scale) };
  });
}
