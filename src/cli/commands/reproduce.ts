import type { Command } from 'commander';
import { join } from 'node:path';
import { loadData } from '../../data/load.js';
import { ArgumentError } from '../../errors.js';
import { loadImplementation, theOneWithRole } from '../../impl/registry.js';
import { getRecipe, NOTEBOOK_RECIPES, RECIPES } from '../../recipes/index.js';
import { formatMisclassified, writeNotebookFiles } from '../../reproduce/outputs.js';
import { reproduceRun, type RunRecord } from '../../reproduce/run.js';
import { verdictOf } from '../../reproduce/verdict.js';
import { writeFileAtomic } from '../../util/fs.js';
import { kerasProgress } from '../progress.js';

const intArg = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(name, `must be a non-negative integer, got "${v}"`);
  return n;
};

/** `mnist-spec reproduce <recipe|all>`: train as the notebook did, print its number beside ours, keep a run record. */
export function registerReproduce(program: Command): void {
  program
    .command('reproduce')
    .description(`train a notebook's recipe and compare with what the notebook printed (${[...RECIPES.keys()].join(', ')}, or all)`)
    .argument('[recipe]', 'recipe id or "all"', '001')
    .option('--data <dir|embedded>', 'MNIST directory of IDX files, or "embedded" (default: MNIST_DIR, Keras cache, embedded)')
    .option('--epochs <n>', 'epochs (default: the notebook budget)', intArg('--epochs'))
    .option('--seed <s>', 'seed for initial weights, shuffling and dropout', intArg('--seed'), 1)
    .option('--impl <name|path>', `implementation (${theOneWithRole('reference')} for the reference)`, theOneWithRole('reproduce'))
    .option('--out <dir>', 'where run records go', 'reports/runs')
    .option('--json', 'print the run record(s) as JSON instead of the Keras-style log')
    .action(async (recipeArg: string, opts: { data?: string; epochs?: number; seed: number; impl: string; out: string; json?: boolean }) => {
      const recipes = recipeArg === 'all' ? NOTEBOOK_RECIPES.map(getRecipe) : [getRecipe(recipeArg)];
      const data = await loadData(opts.data ? { data: opts.data } : {});
      const impl = await loadImplementation(opts.impl);
      const records: RunRecord[] = [];
      try {
        const info = await impl.info();
        for (const recipe of recipes) {
          const log = (s: string): void => void (opts.json ? undefined : process.stdout.write(s + '\n'));
          const epochs = opts.epochs ?? recipe.training.epochs;
          log(`# ${recipe.id}: ${recipe.title}`);
          log(`# ${impl.name} (${info.backend}) on ${data.provenance.source} data, seed ${opts.seed}, ${epochs} epoch(s)`);
          const trainN = recipe.training.validation.kind === 'split' ? Math.trunc(data.xTrain.shape[0]! * (1 - recipe.training.validation.fraction)) : data.xTrain.shape[0]!;
          const { record, predictions } = await reproduceRun({
            recipe,
            impl,
            data,
            seed: opts.seed,
            ...(opts.epochs !== undefined ? { epochs: opts.epochs } : {}),
            ...(opts.json ? {} : { callbacks: kerasProgress(trainN, epochs) }),
          });
          const file = join(opts.out, `${recipe.id}-${impl.name}-${data.provenance.source}-seed${opts.seed}-${record.startedAt.replace(/[:.]/g, '-')}.json`);
          await writeFileAtomic(file, JSON.stringify(record, null, 2) + '\n');
          const written = await writeNotebookFiles(file, recipe.outputs, data.yTest.data, predictions);
          records.push(record);
          const v = verdictOf(record);
          log(`Test loss: ${record.test.loss}`);
          log(`Test accuracy: ${record.test.accuracy}`);
          log(`notebook ${recipe.notebook} printed: ${record.printed ? `loss ${record.printed.loss ?? '—'}, accuracy ${record.printed.accuracy}` : '—'}`);
          log(`verdict: ${v.status} — ${v.reason}`);
          if (record.misclassified) {
            log(`\n# misclassified among the first ${record.misclassified.among} test samples: ${record.misclassified.samples.length}`);
            for (const m of record.misclassified.samples) log(formatMisclassified(m));
            log('');
          }
          log(`run record: ${file}`);
          for (const w of written) log(`wrote ${w}`);
          log('');
        }
      } finally {
        await impl.close?.();
      }
      if (opts.json) process.stdout.write(JSON.stringify(records.length === 1 ? records[0] : records, null, 2) + '\n');
    });
}
