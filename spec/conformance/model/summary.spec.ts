import { expect } from 'vitest';
import { formatSummary } from '../../../src/arch/summary.js';
import type { Architecture } from '../../../src/arch/types.js';
import { getRecipe } from '../../../src/recipes/index.js';
import { notebookText, seed, type SeedId } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';

const spec = conformanceSpecs(import.meta.url);

/**
 * model.summary() as the notebooks print it, line by line. The notebooks' Keras sessions had numbered
 * their layers on (dense_4, conv2d_9, …), so each model is built with the names its notebook printed;
 * everything else on each line — truncation, padding, shapes, counts — must match to the character.
 * The text export of the notebooks dropped Keras's '=' rule lines and kept the '_' ones, so rule lines
 * are not compared. Seed 004's printout is cut off mid-line ("Total para"); its last line is a prefix.
 */
const SUMMARIES: { notebook: SeedId; recipe: string; printed: string[]; cutOff?: true }[] = [
  {
    notebook: '000',
    recipe: '000',
    printed: [
      'Layer (type)                 Output Shape              Param #   ',
      'dense_4 (Dense)              (None, 512)               401920    ',
      'dropout_3 (Dropout)          (None, 512)               0         ',
      'dense_5 (Dense)              (None, 512)               262656    ',
      'dropout_4 (Dropout)          (None, 512)               0         ',
      'dense_6 (Dense)              (None, 10)                5130      ',
      'Total params: 669,706',
      'Trainable params: 669,706',
      'Non-trainable params: 0',
    ],
  },
  {
    notebook: '001',
    recipe: '001',
    printed: [
      'Layer (type)                 Output Shape              Param #   ',
      'dense_1 (Dense)              (None, 512)               401920    ',
      'dropout_1 (Dropout)          (None, 512)               0         ',
      'dense_2 (Dense)              (None, 512)               262656    ',
      'dropout_2 (Dropout)          (None, 512)               0         ',
      'dense_3 (Dense)              (None, 10)                5130      ',
      'Total params: 669,706',
      'Trainable params: 669,706',
      'Non-trainable params: 0',
    ],
  },
  {
    notebook: '003',
    recipe: '003',
    printed: [
      'Layer (type)                 Output Shape              Param #   ',
      'dense_7 (Dense)              (None, 512)               401920    ',
      'dropout_4 (Dropout)          (None, 512)               0         ',
      'dense_8 (Dense)              (None, 512)               262656    ',
      'dropout_5 (Dropout)          (None, 512)               0         ',
      'dense_9 (Dense)              (None, 10)                5130      ',
      'Total params: 669,706',
      'Trainable params: 669,706',
      'Non-trainable params: 0',
    ],
  },
  {
    notebook: '004',
    recipe: '004-mlp',
    printed: [
      'Layer (type)                 Output Shape              Param #   ',
      'flatten_18 (Flatten)         (None, 784)               0         ',
      'dense_38 (Dense)             (None, 512)               401920    ',
      'activation_51 (Activation)   (None, 512)               0         ',
      'dense_39 (Dense)             (None, 128)               65664     ',
      'activation_52 (Activation)   (None, 128)               0         ',
      'dense_40 (Dense)             (None, 10)                1290      ',
      'activation_53 (Activation)   (None, 10)                0         ',
      'Total para',
    ],
    cutOff: true,
  },
  {
    notebook: '004',
    recipe: '004-cnn',
    printed: [
      'Layer (type)                 Output Shape              Param #   ',
      'conv2d_9 (Conv2D)            (None, 26, 26, 32)        320       ',
      'batch_normalization_12 (Batc (None, 26, 26, 32)        128       ',
      'activation_39 (Activation)   (None, 26, 26, 32)        0         ',
      'conv2d_10 (Conv2D)           (None, 24, 24, 32)        9248      ',
      'batch_normalization_13 (Batc (None, 24, 24, 32)        128       ',
      'activation_40 (Activation)   (None, 24, 24, 32)        0         ',
      'max_pooling2d_5 (MaxPooling2 (None, 12, 12, 32)        0         ',
    ],
  },
];

function withLayerNames(arch: Architecture, names: string[]): Architecture {
  if (arch.kind !== 'sequential') throw new Error('only sequential recipes print a summary in the notebooks');
  return { ...arch, layers: arch.layers.map((l, i) => (i < names.length ? { ...l, name: names[i]! } : l)) };
}
for (const { notebook, recipe, printed, cutOff } of SUMMARIES) {
  const layerLines = printed.filter((l) => / \(/.test(l) && !l.startsWith('Layer (type)'));
  const names = layerLines.map((l) => l.split(' ')[0]!);
  spec(
    {
      params: { recipe },
      judges: ['method:layers'],
      claim: seed(notebook, layerLines[0]!),
      needs: { layers: [...new Set(getRecipe(recipe).arch.layers.map((l) => l.type))] },
    },
    async (ctx) => {
      const { impl } = ctx;
      // The block quoted here is the notebook's own: check every line against it when the notebook is at hand.
      const text = notebookText(notebook);
      if (text) for (const line of printed) expect(text.split('\n'), `notebook ${notebook} line`).toContain(line);
      const arch = withLayerNames(getRecipe(recipe).arch, names);
      const model = await impl.build(arch, { seed: 1 });
      try {
        const ours = formatSummary({ layers: model.layers() })
          .split('\n')
          .filter((l) => !/^[_=]+$/.test(l));
        printed.forEach((line, i) => {
          if (cutOff && i === printed.length - 1) expect(ours[i]!.startsWith(line), `line ${i}: "${ours[i]}" starts with "${line}"`).toBe(true);
          else expect(ours[i], `summary line ${i}`).toBe(line);
        });
        ctx.record(
          ours.find((l) => l.startsWith('Total params')),
          printed.find((l) => l.startsWith('Total params')) ?? 'layer lines',
        );
      } finally {
        model.dispose();
      }
    },
  );
}
