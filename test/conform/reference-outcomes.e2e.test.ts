import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { ConformanceReport } from '../../src/conform/report.js';
import { theOneWithRole } from '../../src/impl/registry.js';
import { BOUNDS } from '../../src/recipes/bounds.js';
import { CLI, ensureBuilt, ROOT, userEnv } from '../../spec/support/build.js';

/**
 * The reference's notebook outcomes on the embedded data, judged as a user judges them: `mnist-spec conform --impl
 * tfjs --query 'notebook:*' --data embedded`, the built CLI. `npm test` trains these outcomes with the engine only
 * (the registry's `default-tier-trainer`: src/harness/implementations.ts), so this is where the reference's are held
 * to the calibrated bounds in CI — the same specs, at the same training seed (1) `npm test` uses.
 * `npm run flakes` runs this same command at other seeds (reports/flakes/).
 */
const REFERENCE = theOneWithRole('reference');
const scratch = mkdtempSync(join(tmpdir(), 'reference-outcomes-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it(`${REFERENCE} reaches every embedded notebook outcome through mnist-spec conform`, () => {
  ensureBuilt();
  const run = spawnSync(process.execPath, [CLI, 'conform', '--impl', REFERENCE, '--query', 'notebook:*', '--data', 'embedded', '--report-dir', scratch], {
    cwd: ROOT,
    env: userEnv(),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const report = JSON.parse(readFileSync(join(scratch, 'report.json'), 'utf8')) as ConformanceReport;
  const embedded = report.specs.filter((s) => /;data=embedded;/.test(`${s.id};`));
  const why = embedded
    .filter((s) => s.status !== 'pass' && s.status !== 'warn')
    .map((s) => `${s.id}: ${s.status} ${s.reason ?? ''}`)
    .join('\n');
  expect(why, run.stderr).toBe('');
  // Every embedded bound is judged (its outcome spec, and the listing or file its notebook makes from that model).
  const outcomes = embedded.filter((s) => /^notebook:outcome:recipe=[^;]+;data=embedded;epochs=\d+$/.test(s.id));
  expect(outcomes.map((s) => s.id).sort()).toEqual(
    BOUNDS.filter((b) => b.data === 'embedded')
      .map((b) => `notebook:outcome:recipe=${b.recipe};data=embedded;epochs=${b.epochs}`)
      .sort(),
  );
  for (const s of outcomes) expect(s.measured, s.id).toBeDefined();
  // The full set's outcomes skip (no MNIST_DIR here), so the verdict is the partial one, and the exit status 0.
  expect(report.summary.verdict).toBe('conforms-partial');
  expect(run.status, run.stderr).toBe(0);
}, 600_000);
