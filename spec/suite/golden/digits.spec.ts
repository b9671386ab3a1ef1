import { expect } from 'vitest';
import { DIGIT_INDICES, FIRST_TEST_DIGITS, loadDigits, SEED_003_MISCLASSIFIED, selectDigits } from '../../../src/golden/digits.js';
import { contract, seed } from '../../../src/harness/claims.js';
import { fullData } from '../../../src/harness/data.js';
import { suiteSpecs } from '../../../src/harness/spec.js';

const spec = suiteSpecs(import.meta.url);

/** fixtures/digits: the fixed inputs of the golden models (canonical MNIST test images, by index). */

// What seed 003 prints for the test images its model got wrong: the index and the true label.
const LISTED: [index: number, actual: number][] = [
  [149, 2], [151, 9], [217, 6], [247, 4], [274, 9], [321, 2], [340, 5], [445, 6], [447, 4], [547, 2], [613, 2], [624, 2], [659, 2], [684, 7],
];

spec(
  {
    name: 'seed-003-misclassified',
    claim: seed('003', 'test sample number  149  is incorrect, model predicted  3 actual was 2'),
  },
  async (ctx) => {
    const d = await loadDigits();
    expect(d.indices).toEqual([...DIGIT_INDICES]);
    expect(SEED_003_MISCLASSIFIED).toEqual(LISTED.map(([i]) => i));
    const labels = LISTED.map(([i]) => d.labels.data[d.indices.indexOf(i)]);
    ctx.record({ digits: d.indices.length, labels }, 'the fixture holds every test image seed 003 lists, with the label it printed');
    expect(labels).toEqual(LISTED.map(([, actual]) => actual));
  },
);

spec(
  {
    name: 'canonical-rows',
    claim: contract('fixtures/digits/test-digits.json', 'row i of the IDX pair is test image indices[i]'),
    needs: { fullData: true },
  },
  async (ctx) => {
    const d = await loadDigits();
    const want = selectDigits(await fullData());
    ctx.record({ digits: d.indices.length, first: FIRST_TEST_DIGITS, seed003: SEED_003_MISCLASSIFIED.length }, 'byte for byte the canonical test rows');
    expect(d.images.shape).toEqual(want.images.shape);
    expect(Buffer.from(d.images.data).equals(Buffer.from(want.images.data)), 'images').toBe(true);
    expect(Array.from(d.labels.data)).toEqual(Array.from(want.labels.data));
  },
);
