import { expect } from 'vitest';
import { layerInfosOf, resolveArchitecture } from '../../../src/arch/resolve.js';
import { formatSummary } from '../../../src/arch/summary.js';
import type { Architecture } from '../../../src/arch/types.js';
import { getRecipe } from '../../../src/recipes/index.js';
import { notebookText, seed } from '../../../src/harness/claims.js';
import { suiteSpecs } from '../../../src/harness/spec.js';

const spec = suiteSpecs(import.meta.url);

/**
 * Seed 004's MLP cell (In [162]) reads `model.add(Reshape([28,28,1]))` between the Flatten and the first
 * Dense, yet its printed summary (In [168]) has no Reshape row. Had the line run, Keras would have
 * reshaped the 784 values back to (28, 28, 1) and every Dense after it would act on the last axis: a
 * different summary, and a model whose (None, 28, 28, 10) output cannot fit the (60000, 10) labels. So
 * the printed summary proves the line was not in the model that ran: it was typed into the cell after it
 * ran (the export shows a cell's latest source beside its last output). The recipe leaves it out.
 */
const CELL = 'model.add (Flatten( input_shape=(28, 28)))\nmodel.add(Reshape([28,28,1]))\n\nmodel.add (Dense ( input_dim=28*28, units = 512))';
const PRINTED_DENSE = 'dense_38 (Dense)             (None, 512)               401920    ';

/** 004-mlp with the cell's Reshape line, named as the notebook's session would have numbered its layers. */
function withStrayReshape(): Architecture {
  const arch = getRecipe('004-mlp').arch;
  if (arch.kind !== 'sequential') throw new Error('004-mlp is sequential');
  const names = ['flatten_18', 'dense_38', 'activation_51', 'dense_39', 'activation_52', 'dense_40', 'activation_53'];
  const [flatten, ...rest] = arch.layers.map((l, i) => ({ ...l, name: names[i]! }));
  return { ...arch, layers: [flatten!, { type: 'Reshape', name: 'reshape_1', targetShape: [28, 28, 1] }, ...rest] };
}

spec({ params: { recipe: '004-mlp' }, claim: seed('004', CELL) }, () => {
  const lines = formatSummary({ layers: layerInfosOf(resolveArchitecture(withStrayReshape())) }).split('\n');
  // The line would add a row of its own, with no weights ...
  expect(lines).toContain('reshape_1 (Reshape)          (None, 28, 28, 1)         0         ');
  // ... and turn the first Dense into 512 units on a 1-wide last axis: 1×512 + 512 weights, not 784×512 + 512.
  expect(lines).toContain('dense_38 (Dense)             (None, 28, 28, 512)       1024      ');
  expect(lines).toContain('activation_53 (Activation)   (None, 28, 28, 10)        0         ');
  expect(lines).toContain('Total params: 67,978');
  // The printed summary has the Dense the recipe builds, which the Reshape would have replaced.
  expect(lines).not.toContain(PRINTED_DENSE);

  const text = notebookText('004');
  if (text) {
    expect(text.split('\n')).toContain(PRINTED_DENSE);
    expect(text).not.toMatch(/\(Reshape\)/);
    // Nor could the line have failed for want of an import: Reshape was imported at In [136], before In [162] ran.
    const cellOf = (marker: string): number => {
      const at = text.indexOf(marker);
      expect(at, marker).toBeGreaterThan(-1);
      return Number([...text.slice(0, at).matchAll(/In \[(\d+)\]:/g)].at(-1)?.[1]);
    };
    expect(cellOf('from keras.layers.core import Reshape')).toBe(136);
    expect(cellOf('model.add(Reshape([28,28,1]))\n\nmodel.add (Dense')).toBe(162);
  }
});
