import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadData } from '../src/data/load.js';
import { loadImplementation } from '../src/impl/registry.js';
import { BOUNDS, describeOutcome, findBound, outcomeHolds, type DataTier } from '../src/recipes/bounds.js';
import type { CalibrationFile, CalibrationSeries } from '../src/recipes/calibration.js';
import { getRecipe } from '../src/recipes/index.js';
import { reproduce } from '../src/reproduce/run.js';
import { writeFileAtomic } from '../src/util/fs.js';
import { gitState } from '../src/util/git.js';
import { machineInfo } from '../src/util/machine.js';
import { VERSION } from '../src/version.js';

/**
 * Calibrate the bounds of src/recipes/bounds.ts: train recipes over many seeds, print a table of test accuracy and
 * loss with whether each declared bound holds, and (with --out) keep every run as data for bounds.ts's error rates
 * and the outcome specs' percentiles (src/recipes/calibration.ts).
 *
 *   node --import tsx scripts/calibrate.ts [recipe...] [--bounds embedded|full] [--impl tfjs] [--seeds 1-20] [--epochs N]
 *                                          [--data DIR|embedded] [--out calibration/tfjs-embedded.json] [--except 000,000-scaled]
 *
 * --bounds T: every bound of data tier T at its own budget (restricted to the recipes named, if any).
 * --seeds: a list of numbers and ranges, `1-20` or `1,2,5-8`.
 * --out: written atomically after every run; the runs already in it (same recipe, epochs, seed and implementation
 *   version) are kept and not run again, so an interrupted calibration resumes where it stopped.
 * Data: --data, else MNIST_DIR, else the Keras cache, else the embedded split (as `mnist-spec reproduce`).
 * Epochs: the bound's budget with --bounds, else the notebook's, unless --epochs.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE =
  'usage: node --import tsx scripts/calibrate.ts [recipe...] [--bounds embedded|full] [--impl tfjs] [--seeds 1-20] [--epochs N] [--data DIR|embedded] [--out FILE] [--except r1,r2]\n';

function fail(message: string): never {
  process.stderr.write(`calibrate: ${message}\n${USAGE}`);
  process.exit(2);
}

/** `1-20`, `1,2,5-8` → the seeds, in order, each once. */
export function parseSeeds(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!m) fail(`--seeds: "${part}" is neither a number nor a range a-b`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) fail(`--seeds: range ${part} runs backwards`);
    for (let s = from; s <= to; s++) if (!seeds.includes(s)) seeds.push(s);
  }
  return seeds;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    impl: { type: 'string', default: 'engine' },
    seeds: { type: 'string', default: '1,2,3' },
    epochs: { type: 'string' },
    data: { type: 'string' },
    bounds: { type: 'string' },
    out: { type: 'string' },
    except: { type: 'string', default: '' },
  },
});
if (values.bounds !== undefined && values.bounds !== 'embedded' && values.bounds !== 'full') fail(`--bounds: "${values.bounds}" is not embedded or full`);
if (positionals.length === 0 && values.bounds === undefined) fail('name recipes, or --bounds embedded|full');
const seeds = parseSeeds(values.seeds);
const epochsArg = values.epochs === undefined ? undefined : Number(values.epochs);
if (epochsArg !== undefined && !(Number.isInteger(epochsArg) && epochsArg > 0)) fail(`--epochs: "${values.epochs}" is not a positive integer`);
const except = values.except.split(',').filter(Boolean);
for (const id of [...positionals, ...except]) {
  try {
    getRecipe(id);
  } catch (e) {
    fail((e as Error).message);
  }
}

const data = await loadData(values.data ? { data: values.data } : {});
const tier: DataTier = data.provenance.canonical ? 'full' : 'embedded';
if (values.bounds !== undefined && values.bounds !== tier)
  fail(`--bounds ${values.bounds} but the data found is the ${tier} tier (${data.provenance.location}): pass --data`);

/** What to run: [recipe, epochs] pairs. */
const plan: { recipe: string; epochs: number }[] = values.bounds
  ? BOUNDS.filter((b) => b.data === tier && (positionals.length === 0 || positionals.includes(b.recipe))).map((b) => ({
      recipe: b.recipe,
      epochs: epochsArg ?? b.epochs,
    }))
  : positionals.map((id) => ({ recipe: id, epochs: epochsArg ?? getRecipe(id).training.epochs }));
const todo = plan.filter((p) => !except.includes(p.recipe));

const impl = await loadImplementation(values.impl);
const info = await impl.info();
const outPath = values.out === undefined ? undefined : resolve(values.out);

let file: CalibrationFile = {
  kind: 'mnist-spec/calibration',
  schemaVersion: 1,
  suite: { version: VERSION, commit: gitState(ROOT).commit },
  implementation: { name: impl.name, version: impl.version, backend: info.backend, ...(info.details ? { details: info.details } : {}) },
  data: {
    tier,
    source: data.provenance.source,
    ...(data.provenance.split ? { split: data.provenance.split } : {}),
    canonical: data.provenance.canonical,
    counts: data.provenance.counts,
  },
  machine: machineInfo(),
  series: [],
};
if (outPath && existsSync(outPath)) {
  const old = JSON.parse(readFileSync(outPath, 'utf8')) as CalibrationFile;
  if (old.kind !== 'mnist-spec/calibration') fail(`--out: ${outPath} exists and is not a calibration file`);
  if (old.implementation.name !== impl.name || old.data.tier !== tier)
    fail(`--out: ${outPath} holds ${old.implementation.name} on ${old.data.tier} data, not ${impl.name} on ${tier}`);
  if (old.implementation.version !== impl.version || old.implementation.backend !== info.backend) {
    fail(
      `--out: ${outPath} was measured with ${impl.name} ${old.implementation.version} (${old.implementation.backend}), this is ${impl.version} (${info.backend}): move it away to recalibrate`,
    );
  }
  file = { ...file, series: old.series };
}

function seriesFor(recipe: string, epochs: number): CalibrationSeries {
  let s = file.series.find((x) => x.recipe === recipe && x.epochs === epochs);
  if (!s) file.series.push((s = { recipe, epochs, runs: [] }));
  return s;
}

const save = async (): Promise<void> => {
  if (!outPath) return;
  await mkdir(dirname(outPath), { recursive: true });
  for (const s of file.series) s.runs.sort((a, b) => a.seed - b.seed);
  await writeFileAtomic(outPath, `${JSON.stringify(file, null, 1)}\n`);
};

const fmt = (x: number): string => x.toFixed(4);
process.stdout.write(`# ${impl.name} ${impl.version} (${info.backend}) on ${data.provenance.source} data (${tier} tier), seeds ${values.seeds}\n\n`);
process.stdout.write('| recipe | epochs | seed | accuracy | loss | wall s | load | bound |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n');
const started = Date.now();
try {
  // Seed-major: every recipe gets its first seeds early, so an interrupted calibration still covers them all.
  for (const seed of seeds) {
    for (const { recipe: id, epochs } of todo) {
      const series = seriesFor(id, epochs);
      if (series.runs.some((r) => r.seed === seed)) continue;
      const recipe = getRecipe(id);
      const load = loadavg()[0]!;
      const r = await reproduce({ recipe, impl, data, epochs, seed });
      series.runs.push({
        seed,
        accuracy: r.test.accuracy,
        loss: r.test.loss,
        saturatedWrongShare: r.test.saturatedWrongShare,
        wallSeconds: r.wallSeconds,
        startedAt: r.startedAt,
        loadAverage: Math.round(load * 100) / 100,
      });
      await save();
      const bound = findBound(id, tier, epochs);
      const verdict = bound ? `${outcomeHolds(bound.outcome, r.test) ? 'holds' : 'FAILS'}: ${describeOutcome(bound.outcome)}` : '—';
      process.stdout.write(
        `| ${id} | ${epochs} | ${seed} | ${fmt(r.test.accuracy)} | ${fmt(r.test.loss)} | ${r.wallSeconds.toFixed(1)} | ${load.toFixed(1)} | ${verdict} |\n`,
      );
    }
  }
} finally {
  await impl.close?.();
}
const span = (xs: number[]): string => `${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}`;
process.stdout.write('\n');
for (const { recipe, epochs } of todo) {
  const runs = seriesFor(recipe, epochs).runs;
  if (runs.length)
    process.stdout.write(
      `${recipe} (${epochs} epochs, ${runs.length} seeds): accuracy ${span(runs.map((r) => r.accuracy))}, loss ${span(runs.map((r) => r.loss))}\n`,
    );
}
process.stdout.write(`wall time ${((Date.now() - started) / 1000).toFixed(0)} s${outPath ? `; runs kept in ${outPath}` : ''}\n`);
