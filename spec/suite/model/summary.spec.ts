import { expect } from 'vitest';
import { resolveArchitecture } from '../../../src/arch/resolve.js';
import { formatSummary } from '../../../src/arch/summary.js';
import { getRecipe } from '../../../src/recipes/index.js';
import { seed } from '../../../src/harness/claims.js';
import { suiteSpecs } from '../../../src/harness/spec.js';

/** The suite's own model.summary() formatting (src/arch/summary.ts), where no implementation is involved. */
const spec = suiteSpecs(import.meta.url);

// The functional model of seed 002 has no printed summary, but Keras lists its InputLayer first.
spec({ name: 'functional-input-row', claim: seed('002', 'inp = Input(shape=(height * width,))') }, () => {
  const resolved = resolveArchitecture(getRecipe('002').arch);
  const text = formatSummary({ input: { name: resolved.inputName, shape: resolved.inputShape }, layers: [] });
  expect(text.split('\n')[3]).toBe('input_1 (InputLayer)         (None, 784)               0         ');
});
