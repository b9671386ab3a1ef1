import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolveArchitecture } from '../../../src/arch/resolve.js';
import type { Architecture } from '../../../src/arch/types.js';
import type { F32Tensor } from '../../../src/tensor.js';
import { distinctWeights } from '../../../src/reference/keras-float64.js';

/**
 * The project-made Keras .h5 fixtures (fixtures/keras/, written by `npx tsx scripts/make-keras-fixtures.ts`):
 * small models whose weights are synthetic (distinctWeights of a seed), so a spec can recompute exactly
 * what loading each file must give. Between them they use every layer type the reader converts.
 */
export const KERAS_FIXTURES_DIR = fileURLToPath(new URL('../../../fixtures/keras/', import.meta.url));

export interface KerasFixture {
  file: string;
  arch: Architecture;
  /** model.save (architecture + weights) rather than model.save_weights. */
  full: boolean;
  seed: number;
}

export const KERAS_FIXTURES: readonly KerasFixture[] = [
  {
    file: 'tiny-mlp.weights.h5',
    full: false,
    seed: 11,
    arch: {
      kind: 'sequential',
      inputShape: [4, 4],
      layers: [
        { type: 'Flatten' },
        { type: 'Dense', units: 6, activation: 'relu' },
        { type: 'Dropout', rate: 0.5 },
        { type: 'Dense', units: 3, activation: 'softmax' },
      ],
    },
  },
  {
    file: 'tiny-cnn.model.h5',
    full: true,
    seed: 12,
    arch: {
      kind: 'sequential',
      inputShape: [36],
      layers: [
        { type: 'Reshape', targetShape: [6, 6, 1] },
        { type: 'Conv2D', filters: 2, kernelSize: [3, 3], padding: 'same' },
        { type: 'BatchNormalization', axis: -1 },
        { type: 'Activation', activation: 'relu' },
        { type: 'MaxPooling2D', poolSize: [2, 2] },
        { type: 'Flatten' },
        { type: 'Dense', units: 4, activation: 'tanh' },
        { type: 'Dropout', rate: 0.25 },
        { type: 'Dense', units: 3, activation: 'softmax' },
      ],
    },
  },
  {
    file: 'tiny-functional.model.h5',
    full: true,
    seed: 13,
    arch: {
      kind: 'functional',
      name: 'model_1',
      input: { name: 'input_1', shape: [8] },
      layers: [
        { type: 'Dense', name: 'dense_1', units: 5, activation: 'sigmoid', inbound: 'input_1' },
        { type: 'Dense', name: 'dense_2', units: 3, activation: 'softmax', inbound: 'dense_1' },
      ],
      output: 'dense_2',
    },
  },
];

export function fixtureWeights(f: KerasFixture): F32Tensor[] {
  return distinctWeights(resolveArchitecture(f.arch), f.seed);
}

export function fixtureBytes(f: KerasFixture): Uint8Array {
  return new Uint8Array(readFileSync(`${KERAS_FIXTURES_DIR}${f.file}`));
}
