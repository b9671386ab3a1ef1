import { parseArgs } from 'node:util';
import { loadData } from '../src/data/load.js';
import { loadImplementation } from '../src/impl/registry.js';
import { describeOutcome, findBound, outcomeHolds } from '../src/recipes/bounds.js';
import { getRecipe } from '../src/recipes/index.js';
import { reproduce } from '../src/reproduce/run.js';

/**
 * Calibrate the bounds of src/recipes/bounds.ts: train recipes over several seeds and print a table of
 * test accuracy and loss, with the range per recipe and whether a declared bound holds.
 *
 *   node --import tsx scripts/calibrate.ts 004-mlp-ce 004-mlp-adam [--impl engine] [--seeds 1,2,3] [--epochs N] [--data DIR|embedded]
 *
 * Data: --data, else MNIST_DIR, else the Keras cache, else the embedded split (as `mnist-spec reproduce`).
 * Epochs: the notebook's budget unless --epochs.
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    impl: { type: 'string', default: 'engine' },
    seeds: { type: 'string', default: '1,2,3' },
    epochs: { type: 'string' },
    data: { type: 'string' },
  },
});
if (positionals.length === 0) {
  process.stderr.write('usage: node --import tsx scripts/calibrate.ts <recipe...> [--impl engine] [--seeds 1,2,3] [--epochs N] [--data DIR|embedded]\n');
  process.exit(2);
}
const seeds = values.seeds.split(',').map(Number);
const epochsArg = values.epochs === undefined ? undefined : Number(values.epochs);
const recipes = positionals.map(getRecipe);
const data = await loadData(values.data ? { data: values.data } : {});
const tier = data.provenance.canonical ? 'full' : 'embedded';
const impl = await loadImplementation(values.impl);
const fmt = (x: number): string => x.toFixed(4);

process.stdout.write(`# ${impl.name} on ${data.provenance.source} data (${tier} tier)\n\n`);
process.stdout.write('| recipe | epochs | seed | accuracy | loss | wall s | bound |\n| --- | --- | --- | --- | --- | --- | --- |\n');
const ranges: string[] = [];
try {
  for (const recipe of recipes) {
    const epochs = epochsArg ?? recipe.training.epochs;
    const bound = findBound(recipe.id, tier, epochs);
    const results: { accuracy: number; loss: number }[] = [];
    for (const seed of seeds) {
      const r = await reproduce({ recipe, impl, data, epochs, seed });
      results.push(r.test);
      const verdict = bound ? `${outcomeHolds(bound.outcome, r.test) ? 'holds' : 'FAILS'}: ${describeOutcome(bound.outcome)}` : '—';
      process.stdout.write(`| ${recipe.id} | ${epochs} | ${seed} | ${fmt(r.test.accuracy)} | ${fmt(r.test.loss)} | ${r.wallSeconds.toFixed(1)} | ${verdict} |\n`);
    }
    const span = (xs: number[]): string => `${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}`;
    ranges.push(`${recipe.id} (${epochs} epochs, seeds ${values.seeds}): accuracy ${span(results.map((r) => r.accuracy))}, loss ${span(results.map((r) => r.loss))}`);
  }
} finally {
  await impl.close?.();
}
process.stdout.write(`\n${ranges.join('\n')}\n`);
