import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEmbedded } from '../src/data/embedded.js';
import { formatMisclassified, PREDICTIONS_CSV_HEADER } from '../src/reproduce/outputs.js';
import type { RunRecord } from '../src/reproduce/run.js';
import { CLI, ensureBuilt, ROOT } from '../spec/support/build.js';

// `mnist-spec reproduce` as a user runs it (the built CLI, engine, on the embedded digits; --epochs 0 keeps it cheap:
// the untrained model's predictions make the same files, and the outcome specs judge training): the
// files and listings the notebooks make from their predictions, beside the run record.
const scratch = mkdtempSync(join(tmpdir(), 'mnist-spec-reproduce-'));
const yTest = loadEmbedded().yTest.data;

beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function reproduce(recipe: string): { stdout: string; record: RunRecord; files: string[]; out: string } {
  const out = join(scratch, recipe);
  const r = spawnSync(process.execPath, [CLI, 'reproduce', recipe, '--data', 'embedded', '--epochs', '0', '--out', out], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const files = readdirSync(out).sort();
  const recordFile = files.find((f) => f.endsWith('.json'))!;
  return { stdout: r.stdout, record: JSON.parse(readFileSync(join(out, recordFile), 'utf8')) as RunRecord, files, out };
}

describe('mnist-spec reproduce', () => {
  it("writes seed 004's output_cnn.csv beside the run record for 004-cnn", () => {
    const { stdout, record, files, out } = reproduce('004-cnn');
    const csv = files.find((f) => f.endsWith('.output_cnn.csv'));
    expect(csv, files.join(', ')).toBe(files.find((f) => f.endsWith('.json'))!.replace(/\.json$/, '.output_cnn.csv'));
    expect(stdout).toContain(`wrote ${join(out, csv!)}`);
    const [header, ...rows] = readFileSync(join(out, csv!), 'utf8').replace(/\n$/, '').split('\n');
    expect(header).toBe(PREDICTIONS_CSV_HEADER);
    expect(rows).toHaveLength(2000);
    const pairs = rows.map((r) => r.split(',').map(Number));
    expect(pairs.map(([actual]) => actual)).toEqual(Array.from(yTest));
    expect(pairs.filter(([a, p]) => a === p).length / rows.length).toBe(record.test.accuracy);
  }, 120_000);

  it("prints seed 003's listing of the misclassified among the first 784 test samples", () => {
    const { stdout, record, files } = reproduce('003');
    expect(files.filter((f) => !f.endsWith('.json'))).toEqual([]);
    const listed = record.misclassified!;
    expect(listed.among).toBe(784);
    expect(listed.samples.length).toBeGreaterThan(0);
    for (const m of listed.samples) expect([m.actual === yTest[m.index], m.predicted !== m.actual]).toEqual([true, true]);
    expect(stdout).toContain(
      `# misclassified among the first 784 test samples: ${listed.samples.length}\n${listed.samples.map(formatMisclassified).join('\n')}\n`,
    );
  }, 120_000);
});
