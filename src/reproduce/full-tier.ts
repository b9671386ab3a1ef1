import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataFormatError } from '../errors.js';
import type { Recipe } from '../recipes/index.js';
import { safePathComponent, writeFileAtomic } from '../util/fs.js';
import { formatMisclassified, writeNotebookFiles } from './outputs.js';
import type { Reproduction, RunRecord } from './run.js';
import { verdictOf } from './verdict.js';

/**
 * The full tier's results, kept: each notebook reproduced at its own budget on full MNIST leaves its run
 * record at `reports/full-tier/<impl>/<recipe>.json` (with the files its notebook writes beside it), and
 * `reports/full-tier/README.md` is rendered from those records, never typed.
 */
export const FULL_TIER_README = 'README.md';

/** Write a run's record, notebook files and (seed 003) misclassified listing under `dir/<impl>/`, then re-render the README. */
export async function keepFullTierRun(dir: string, recipe: Recipe, run: Reproduction, labels: ArrayLike<number>): Promise<string[]> {
  const { record, predictions } = run;
  // Names from a run record are not trusted as paths: each is made one safe path component inside `dir`.
  const base = join(dir, safePathComponent(record.implementation.name), safePathComponent(record.recipe.id));
  await writeFileAtomic(`${base}.json`, JSON.stringify(record, null, 2) + '\n');
  const written = [`${base}.json`, ...(await writeNotebookFiles(`${base}.json`, recipe.outputs, labels, predictions))];
  if (record.misclassified) {
    await writeFileAtomic(`${base}.misclassified.txt`, record.misclassified.samples.map((m) => formatMisclassified(m) + '\n').join(''));
    written.push(`${base}.misclassified.txt`);
  }
  await writeFullTierReadme(dir);
  return written;
}

/** Every run record under `dir/<impl>/*.json`. */
export async function readFullTierRecords(dir: string): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  const impls = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const impl of impls
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()) {
    for (const file of (await readdir(join(dir, impl))).filter((f) => f.endsWith('.json')).sort()) {
      const path = join(dir, impl, file);
      const record = JSON.parse(await readFile(path, 'utf8')) as RunRecord;
      if (record.kind !== 'mnist-spec/run') throw new DataFormatError(path, 'kind', `expected "mnist-spec/run", got ${JSON.stringify(record.kind)}`);
      records.push(record);
    }
  }
  return records;
}

const num = (x: number, digits = 4): string => x.toFixed(digits);

/** The README table: one row per run record, the notebook's printed value beside ours. */
export function renderFullTierReadme(records: readonly RunRecord[]): string {
  const lines = [
    '# Full tier: the notebooks at their own budgets on full MNIST',
    '',
    'Rendered from the run records beside this file (`<impl>/<recipe>.json`) by `npm run report:full-tier`, which',
    'the full tier (`MNIST_DIR=… npm run test:full`) also does after each training spec. Do not edit by hand.',
    '',
    '| recipe | epochs | notebook printed | ours | verdict | s/epoch | wall | implementation | seed | run at |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of records) {
    const printed = r.printed ? `acc ${r.printed.accuracy}${r.printed.loss !== undefined ? `, loss ${num(r.printed.loss)}` : ''}` : '—';
    const epochs = r.history.epochs;
    const perEpoch = epochs.length ? epochs.reduce((s, e) => s + e.seconds, 0) / epochs.length : NaN;
    const impl = `${r.implementation.name} ${r.implementation.version} (${r.implementation.backend})`;
    lines.push(
      `| ${r.recipe.id} | ${r.budget.epochs} | ${printed} | acc ${num(r.test.accuracy)}, loss ${num(r.test.loss)} | ${verdictOf(r).status} | ${num(perEpoch, 1)} | ${num(r.wallSeconds, 0)} s | ${impl} | ${r.seed} | ${r.startedAt.slice(0, 10)} |`,
    );
  }
  if (records.length === 0) lines.push('| (no run records yet) | | | | | | | | | |');
  const machines = [...new Set(records.map((r) => `${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}`))];
  if (machines.length) lines.push('', `Machine: ${machines.join('; ')}.`);
  return lines.join('\n') + '\n';
}

export async function writeFullTierReadme(dir: string): Promise<string> {
  const path = join(dir, FULL_TIER_README);
  await writeFileAtomic(path, renderFullTierReadme(await readFullTierRecords(dir)));
  return path;
}
