import type { Command } from 'commander';
import { resolveArchitecture } from '../../arch/resolve.js';
import { loadData } from '../../data/load.js';
import type { MnistData } from '../../data/types.js';
import { ArgumentError } from '../../errors.js';
import type { Implementation } from '../../impl/interface.js';
import { loadImplementation, theOneWithRole } from '../../impl/registry.js';
import { getRecipe, NOTEBOOK_RECIPES, RECIPES, type Recipe } from '../../recipes/index.js';
import { formatMisclassified, writeNotebookFiles } from '../../reproduce/outputs.js';
import { reproduceRun, type RunRecord } from '../../reproduce/run.js';
import { verdictOf } from '../../reproduce/verdict.js';
import { setActivity } from '../../util/cleanup.js';
import { checkOutputDirectory, pathInside, safePathComponent, writeNewFile } from '../../util/fs.js';
import { integerArg, MAX_EPOCHS, MAX_SEED } from '../args.js';
import { JudgedFailure } from '../errors.js';
import { kerasProgress } from '../progress.js';

interface ReproduceFlags {
  data?: string;
  epochs?: number;
  seed: number;
  impl: string;
  out: string;
  json?: boolean;
}

/** An ArgumentError of a library function, renamed to the flag or argument the user typed. */
const asFlag =
  (from: string, to: string) =>
  (e: unknown): never => {
    if (e instanceof ArgumentError && e.argument === from) throw new ArgumentError(to, e.detail);
    throw e;
  };

/** The number of samples a recipe trains on: Keras's validation_split holds out the last rows. */
function trainingSamples(recipe: Recipe, data: MnistData): number {
  const n = data.xTrain.shape[0]!;
  return recipe.training.validation.kind === 'split' ? Math.trunc(n * (1 - recipe.training.validation.fraction)) : n;
}

/** Everything a run needs, checked before any training: a bad flag must not cost a training run. */
async function prepare(recipeArg: string, opts: ReproduceFlags): Promise<{ recipes: Recipe[]; out: string; data: MnistData; impl: Implementation }> {
  const recipes =
    recipeArg === 'all'
      ? NOTEBOOK_RECIPES.map(getRecipe)
      : [
          (() => {
            try {
              return getRecipe(recipeArg);
            } catch (e) {
              return asFlag('recipe', '<recipe>')(e);
            }
          })(),
        ];
  const out = await checkOutputDirectory(opts.out, '--out');
  const data = await loadData(opts.data !== undefined ? { data: opts.data } : {}).catch(asFlag('data', '--data'));
  const source = opts.data ? '--data' : data.provenance.source === 'directory' ? 'MNIST_DIR' : data.provenance.location;
  for (const recipe of recipes) {
    const n = trainingSamples(recipe, data);
    if (n < 1)
      throw new ArgumentError(source, `${data.provenance.location} has ${data.xTrain.shape[0]} training image(s): recipe ${recipe.id} would train on none`);
  }
  if (data.xTest.shape[0]! < 1) throw new ArgumentError(source, `${data.provenance.location} has no test images: there is nothing to evaluate on`);
  const impl = await loadImplementation(opts.impl);
  const train = impl.capabilities.train;
  if (!train)
    throw new ArgumentError('--impl', `${opts.impl} cannot train (it does not declare capabilities.train); reproduce needs one that can, e.g. engine or tfjs`);
  for (const recipe of recipes) {
    const missing = [...new Set(resolveArchitecture(recipe.arch).layers.map((l) => l.type))].filter((t) => !impl.capabilities.layers.includes(t));
    const why = missing.length
      ? `layers ${missing.join(', ')}`
      : !train.optimizers.includes(recipe.training.optimizer.type)
        ? `the optimizer ${recipe.training.optimizer.type}`
        : !train.losses.includes(recipe.training.loss)
          ? `the loss ${recipe.training.loss}`
          : undefined;
    if (why) throw new ArgumentError('--impl', `${opts.impl} does not declare ${why}, which recipe ${recipe.id} needs`);
  }
  return { recipes, out, data, impl };
}

/** `mnist-spec reproduce <recipe|all>`: train as the notebook did, print its number beside ours, keep a run record. Exit 1 when a verdict fails. */
export function registerReproduce(program: Command): void {
  program
    .command('reproduce')
    .description(`train a notebook's recipe and compare with what the notebook printed (${[...RECIPES.keys()].join(', ')}, or all)`)
    .argument('[recipe]', 'recipe id or "all"', '001')
    .option('--data <dir|embedded>', 'MNIST directory of IDX files, or "embedded" (default: MNIST_DIR, Keras cache, embedded)')
    .option('--epochs <n>', 'epochs (default: the notebook budget)', integerArg('--epochs', 0, MAX_EPOCHS))
    .option('--seed <s>', `seed for initial weights, shuffling and dropout (0 to ${MAX_SEED})`, integerArg('--seed', 0, MAX_SEED), 1)
    .option('--impl <name|path>', `implementation (${theOneWithRole('reference')} for the reference)`, theOneWithRole('reproduce'))
    .option('--out <dir>', 'where run records go', 'reports/runs')
    .option('--json', 'print the run record(s) as JSON instead of the Keras-style log')
    .action(async (recipeArg: string, opts: ReproduceFlags) => {
      const { recipes, out, data, impl } = await prepare(recipeArg, opts);
      const records: RunRecord[] = [];
      let failed = 0;
      try {
        const info = await impl.info().catch((e: unknown) => {
          throw new JudgedFailure(`reproduce: ${impl.name}'s info() failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
        });
        for (const recipe of recipes) {
          const log = (s: string): void => void (opts.json ? undefined : process.stdout.write(s + '\n'));
          const epochs = opts.epochs ?? recipe.training.epochs;
          log(`# ${recipe.id}: ${recipe.title}`);
          log(`# ${impl.name} (${info.backend}) on ${data.provenance.source} data, seed ${opts.seed}, ${epochs} epoch(s)`);
          setActivity(`training ${recipe.id} with ${impl.name} (no run record written)`);
          const run = await reproduceRun({
            recipe,
            impl,
            data,
            seed: opts.seed,
            ...(opts.epochs !== undefined ? { epochs: opts.epochs } : {}),
            ...(opts.json ? {} : { callbacks: kerasProgress(trainingSamples(recipe, data), epochs) }),
          }).catch((e: unknown) => {
            throw new JudgedFailure(`reproduce ${recipe.id}: ${impl.name} failed while training: ${(e as Error)?.message ?? String(e)}`, { cause: e });
          });
          const { record, predictions } = run;
          setActivity(`writing the run record of ${recipe.id}`);
          // The implementation's declared name is not trusted as a path: made safe, and kept inside --out.
          const base = [recipe.id, impl.name, data.provenance.source, `seed${opts.seed}`, record.startedAt.replace(/[:.]/g, '-')]
            .map(safePathComponent)
            .join('-');
          const file = await writeNewFile((n) => pathInside(out, '--out', `${base}${n ? `-${n + 1}` : ''}.json`), JSON.stringify(record, null, 2) + '\n');
          const written = await writeNotebookFiles(file, recipe.outputs, data.yTest.data, predictions);
          setActivity(undefined);
          records.push(record);
          const v = verdictOf(record);
          if (v.status === 'fails') failed++;
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
        setActivity(undefined);
        await impl.close?.();
      }
      if (opts.json) process.stdout.write(JSON.stringify(records.length === 1 ? records[0] : records, null, 2) + '\n');
      if (failed) process.exitCode = 1;
    });
}
