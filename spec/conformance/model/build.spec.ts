import { expect } from 'vitest';
import type { LayerInfo } from '../../../src/impl/interface.js';
import { getRecipe } from '../../../src/recipes/index.js';
import { seed, type Claim } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';

const spec = conformanceSpecs(import.meta.url);

/**
 * What each notebook's model is, as the implementation itself reports it (layers(): class names, output
 * shapes with a null batch axis, parameter counts), against what the notebooks print. Names are Keras's
 * defaults in a fresh session (dense_1, …); the notebooks' sessions had counted further (dense_38).
 */
type Row = [name: string, type: string, shape: (number | null)[], params: number, trainable?: number];

const EXPECTED: { recipe: string; claim: Claim; rows: Row[]; total: number; trainable: number }[] = [
  {
    recipe: '001',
    claim: seed('001', 'dense_1 (Dense)              (None, 512)               401920'),
    rows: [
      ['dense_1', 'Dense', [null, 512], 401920],
      ['dropout_1', 'Dropout', [null, 512], 0],
      ['dense_2', 'Dense', [null, 512], 262656],
      ['dropout_2', 'Dropout', [null, 512], 0],
      ['dense_3', 'Dense', [null, 10], 5130],
    ],
    total: 669706,
    trainable: 669706,
  },
  {
    // Seed 002 prints no summary; its three Dense layers are 001's without the dropouts.
    recipe: '002',
    claim: seed('002', "hidden_1 = Dense(hidden_size, activation='relu')(inp) # First hidden ReLU layer"),
    rows: [
      ['dense_1', 'Dense', [null, 512], 401920],
      ['dense_2', 'Dense', [null, 512], 262656],
      ['dense_3', 'Dense', [null, 10], 5130],
    ],
    total: 669706,
    trainable: 669706,
  },
  {
    // The printout stops at "Total para"; the total is the sum of the printed rows.
    recipe: '004-mlp',
    claim: seed('004', 'dense_39 (Dense)             (None, 128)               65664'),
    rows: [
      ['flatten_1', 'Flatten', [null, 784], 0],
      ['dense_1', 'Dense', [null, 512], 401920],
      ['activation_1', 'Activation', [null, 512], 0],
      ['dense_2', 'Dense', [null, 128], 65664],
      ['activation_2', 'Activation', [null, 128], 0],
      ['dense_3', 'Dense', [null, 10], 1290],
      ['activation_3', 'Activation', [null, 10], 0],
    ],
    total: 468874,
    trainable: 468874,
  },
  {
    // Printed up to max_pooling2d; after it Flatten (4608), Dense 128 (4608·128+128), BN 128 (half of its
    // 512 moving statistics), Dense 10. Each BN keeps 2·channels non-trainable: 64 + 64 + 256 = 384.
    recipe: '004-cnn',
    claim: seed('004', 'conv2d_10 (Conv2D)           (None, 24, 24, 32)        9248'),
    rows: [
      ['conv2d_1', 'Conv2D', [null, 26, 26, 32], 320],
      ['batch_normalization_1', 'BatchNormalization', [null, 26, 26, 32], 128, 64],
      ['activation_1', 'Activation', [null, 26, 26, 32], 0],
      ['conv2d_2', 'Conv2D', [null, 24, 24, 32], 9248],
      ['batch_normalization_2', 'BatchNormalization', [null, 24, 24, 32], 128, 64],
      ['activation_2', 'Activation', [null, 24, 24, 32], 0],
      ['max_pooling2d_1', 'MaxPooling2D', [null, 12, 12, 32], 0],
      ['flatten_1', 'Flatten', [null, 4608], 0],
      ['dense_1', 'Dense', [null, 128], 589952],
      ['batch_normalization_3', 'BatchNormalization', [null, 128], 512, 256],
      ['activation_3', 'Activation', [null, 128], 0],
      ['dropout_1', 'Dropout', [null, 128], 0],
      ['dense_2', 'Dense', [null, 10], 1290],
      ['activation_4', 'Activation', [null, 10], 0],
    ],
    total: 601578,
    trainable: 601194,
  },
];

const asRow = (l: LayerInfo): Row => [l.name, l.type, l.outputShape, l.params, l.trainableParams];
for (const e of EXPECTED) {
  const arch = getRecipe(e.recipe).arch;
  spec(
    {
      name: 'layers',
      params: { recipe: e.recipe },
      claim: e.claim,
      judges: ['method:build', 'method:layers'],
      needs: { layers: [...new Set(arch.layers.map((l) => l.type))] },
    },
    async (ctx) => {
      const { impl } = ctx;
      const model = await impl.build(arch, { seed: 1 });
      try {
        const layers = model.layers();
        expect(layers.map(asRow)).toEqual(e.rows.map(([n, t, s, p, tr]) => [n, t, s, p, tr ?? p]));
        const total = layers.reduce((s, l) => s + l.params, 0);
        const trainable = layers.reduce((s, l) => s + l.trainableParams, 0);
        ctx.record({ total, trainable }, `total ${e.total}, trainable ${e.trainable}`);
        expect({ total, trainable }).toEqual({ total: e.total, trainable: e.trainable });
      } finally {
        model.dispose();
      }
    },
  );
}
