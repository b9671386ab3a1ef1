import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { listFaults, verdictOf, type FaultVerdict, type PlantedFault } from '../../src/conform/faults.js';
import { matchesQuery } from '../../src/conform/query.js';
import type { ConformanceReport } from '../../src/conform/report.js';
import { runConformanceOfMany } from '../../src/conform/run.js';
import { contract } from '../../src/harness/claims.js';
import { RUN_ENV } from '../../src/harness/env.js';
import { suiteSpecs } from '../../src/harness/spec.js';
import { CLI, ensureBuilt, ROOT } from '../support/build.js';

const spec = suiteSpecs(import.meta.url);

/**
 * Proof that the specs bite. Every implementation in examples/faulty/ carries one realistic bug; conform
 * must fail each, and the spec named here must be among those that caught it. The unbroken minimal
 * adapter and the TF.js implementation are the controls: the same run must pass them.
 *
 * Fast tier: one conform run judges every fault and both controls at once, on the specs that should
 * catch them. Full tier: `mnist-spec conform` itself, one
 * process per fault, on every fast-tier spec.
 */
const CAUGHT_BY: Record<string, string> = {
  'batchnorm-batch-statistics': 'inference:forward:recipe=004-cnn',
  'batchnorm-epsilon': 'inference:forward:recipe=004-cnn',
  'conv-kernel-flipped': 'inference:forward:recipe=004-cnn',
  'dense-kernel-transposed': 'inference:forward:recipe=001',
  'dense-no-bias': 'inference:forward:recipe=001',
  'dropout-at-inference': 'inference:forward:recipe=001',
  'flatten-channels-first': 'inference:forward:recipe=004-cnn',
  'inputs-rescaled': 'inference:forward:recipe=001',
  'labels-off-by-one': 'train:optimizer:*',
  'rmsprop-pytorch-defaults': 'train:optimizer:rmsprop:*',
  'softmax-batch-axis': 'inference:forward:recipe=001',
};
/** The fast tier's targeted run: just the specs named above (and nothing a control could fail elsewhere). */
const QUERIES = ['inference:forward:recipe=001', 'inference:forward:recipe=004-cnn', 'train:optimizer:rmsprop:*'];
const CONTROLS = { 'minimal-adapter': 'examples/minimal-adapter/index.ts', tfjs: 'tfjs' } as const;
const faults = listFaults(ROOT);
const claim = (f: PlantedFault) => contract(f.file, f.bug);

let batched: Promise<Map<string, ConformanceReport>> | undefined;
/** One conform run over every fault and the controls (shared by the specs below). */
function batchedRun(): Promise<Map<string, ConformanceReport>> {
  batched ??= (async () => {
    ensureBuilt();
    const env = { ...process.env };
    delete env.MNIST_DIR;
    const reports = await runConformanceOfMany({
      impls: [...Object.values(CONTROLS), ...faults.map((f) => join(ROOT, f.file))],
      queries: QUERIES,
      data: 'embedded',
      env,
      root: ROOT,
    });
    return new Map(reports.map((r) => [r.implementation.name, r]));
  })();
  return batched;
}

function expectCaught(v: FaultVerdict, report: ConformanceReport): void {
  const want = CAUGHT_BY[v.fault.name];
  expect(want, `${v.fault.file}: add the spec expected to catch it to CAUGHT_BY`).toBeDefined();
  expect(report.summary.ok, `${v.fault.name} passed conform: ${report.specs.map((s) => `${s.id} ${s.status}`).join(', ')}`).toBe(false);
  expect(
    v.caughtBy.some((id) => matchesQuery(id, [want!])),
    `${v.fault.name}: ${want} should be among the failed specs (${v.caughtBy.join(', ') || 'none'})`,
  ).toBe(true);
}

for (const f of faults) {
  spec({ name: 'catches', params: { fault: f.name }, claim: claim(f), timeoutMs: 240_000 }, async (ctx) => {
    const report = (await batchedRun()).get(f.name);
    expect(report, `no report for ${f.name}`).toBeDefined();
    const v = verdictOf(f, report!);
    ctx.record({ caught: v.caught, caughtBy: v.caughtBy }, `conform fails it; ${CAUGHT_BY[f.name]} among the failed specs`);
    expectCaught(v, report!);
  });
}

for (const [name, impl] of Object.entries(CONTROLS)) {
  spec(
    {
      name: 'passes', params: { control: name },
      claim: contract('examples/minimal-adapter/index.ts', 'The faulty implementations in examples/faulty/ are this file with one kernel replaced by a buggy one'),
      timeoutMs: 240_000,
    },
    async (ctx) => {
      const report = (await batchedRun()).get(name);
      expect(report, `no report for ${impl}`).toBeDefined();
      const failed = report!.specs.filter((s) => s.status === 'fail');
      ctx.record(report!.summary, 'no failure, and specs actually ran');
      expect(failed.map((s) => `${s.id}: ${s.reason}`)).toEqual([]);
      expect(report!.summary.pass).toBeGreaterThan(0);
    },
  );
}

spec(
  { name: 'catches:all', claim: contract('examples/faulty/', 'each with one realistic bug'), timeoutMs: 240_000 },
  async (ctx) => {
    const reports = await batchedRun();
    const verdicts = faults.map((f) => verdictOf(f, reports.get(f.name)!));
    const caught = verdicts.filter((v) => v.caught && v.caughtBy.some((id) => matchesQuery(id, [CAUGHT_BY[v.fault.name] ?? '-']))).length;
    ctx.attach('faults', verdicts.map((v) => ({ fault: v.fault.name, file: v.fault.file, bug: v.fault.bug, caught: v.caught, caughtBy: v.caughtBy })));
    ctx.record({ caught, planted: faults.length }, 'caught = planted');
    expect(faults.length).toBeGreaterThanOrEqual(9);
    expect(caught).toBe(faults.length);
  },
);

// The real command, one process per fault, every fast-tier spec: the full sweep.
for (const f of faults) {
  spec({ name: 'catches-cli', params: { fault: f.name }, claim: claim(f), tier: 'full', timeoutMs: 600_000 }, async (ctx) => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), `conform-${f.name}-`));
    try {
      const env = { ...process.env };
      for (const k of RUN_ENV) delete env[k];
      const run = spawnSync(process.execPath, [CLI, 'conform', '--impl', join(ROOT, f.file), '--tier', 'fast', '--report-dir', dir], { cwd: ROOT, env, encoding: 'utf8', timeout: 590_000 });
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ConformanceReport;
      const v = verdictOf(f, report);
      ctx.record({ exitCode: run.status, caughtBy: v.caughtBy }, 'exit 1');
      expect(run.status, run.stderr).toBe(1);
      expectCaught(v, report);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
