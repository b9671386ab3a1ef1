/**
 * `npm run golden`: train each notebook recipe with a fixed seed on full MNIST, export it to ONNX and write
 * golden/ (ONNX backend-test layout + manifest.json) and the test-digit fixture it reads (fixtures/digits/).
 *
 *   MNIST_DIR=/path/to/mnist npm run golden                      # all six recipes, TF.js reference
 *   npm run golden -- --recipe 004-mlp --data /path/to/mnist     # regenerate one (repeatable)
 *   npm run golden -- --impl engine                              # train with another implementation (recorded)
 *   npm run golden -- --check [--data DIR]                       # verify golden/ without writing
 *
 * The embedded 8,000-image split is refused unless asked for with `--data embedded`.
 */
import { Command } from 'commander';
import { loadData } from '../src/data/load.js';
import { ArgumentError, MnistSpecError } from '../src/errors.js';
import { writeDigits } from '../src/golden/digits.js';
import { checkGolden, generateGolden, GOLDEN_RECIPES, GOLDEN_SEED } from '../src/golden/generate.js';
import { loadImplementation } from '../src/impl/registry.js';

const program = new Command('golden')
  .option('--data <dir|embedded>', 'the full MNIST set (four IDX files); default MNIST_DIR. "embedded" only when asked for')
  .option('--recipe <id...>', `recipes to regenerate (default all: ${GOLDEN_RECIPES.join(', ')})`)
  .option('--impl <name|path>', 'the implementation that trains', 'tfjs')
  .option('--check', 'verify golden/ (checksums, onnxruntime outputs; test-set evaluation with --data/MNIST_DIR) without writing')
  .parse();
const opts = program.opts<{ data?: string; recipe?: string[]; impl: string; check?: boolean }>();
const log = (s: string): void => void process.stdout.write(s + '\n');

try {
  const where = opts.data ?? process.env.MNIST_DIR;
  for (const id of opts.recipe ?? [])
    if (!GOLDEN_RECIPES.includes(id)) throw new ArgumentError('--recipe', `golden models exist for ${GOLDEN_RECIPES.join(', ')}; got "${id}"`);
  if (opts.check) {
    const data = where ? await loadData({ data: where }) : undefined;
    const problems = await checkGolden({ ...(data ? { data } : {}), log });
    for (const p of problems) log(`PROBLEM ${p}`);
    log(problems.length ? `${problems.length} problem(s)` : 'golden/ holds');
    process.exitCode = problems.length ? 1 : 0;
  } else {
    if (!where)
      throw new ArgumentError('--data', 'golden models are trained on the full MNIST set: set MNIST_DIR or pass --data DIR (or --data embedded, explicitly)');
    const data = await loadData({ data: where });
    log(
      `data: ${data.provenance.source} ${data.provenance.location} (${data.provenance.counts.train}/${data.provenance.counts.test}, canonical: ${data.provenance.canonical})`,
    );
    // The fixture is canonical test rows: rewritten (same bytes) from canonical data, kept as committed otherwise.
    if (data.provenance.canonical) await writeDigits(data);
    const impl = await loadImplementation(opts.impl);
    try {
      await generateGolden({
        data,
        impl,
        seed: GOLDEN_SEED,
        ...(opts.recipe ? { recipes: opts.recipe } : {}),
        command: ['npm run golden', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
        log,
        callbacks: () => ({
          onEpochEnd: (l) =>
            log(
              `  epoch ${l.epoch + 1}: loss ${l.loss.toFixed(4)} acc ${l.acc.toFixed(4)}${l.valAcc !== undefined ? ` val_loss ${l.valLoss?.toFixed(4)} val_acc ${l.valAcc.toFixed(4)}` : ''} (${l.seconds.toFixed(0)} s)`,
            ),
        }),
      });
    } finally {
      await impl.close?.();
    }
    log('wrote golden/manifest.json');
  }
} catch (e) {
  if (!(e instanceof MnistSpecError)) throw e;
  process.stderr.write(`golden: ${e.message}\n`);
  process.exitCode = 2;
}
