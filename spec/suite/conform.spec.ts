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
 * Proof that the specs bite. Every implementation in examples/faulty/ is examples/plain-ts with one realistic bug
 * planted; conform must fail each, and the spec named here must be among those that caught it. Unbroken plain-ts is the
 * control: the same runs must pass it. (The reference passes the same specs in npm test's own runs of tfjs, and in
 * reports/tfjs/: running it here again cost 8 s of CPU and judged nothing new.)
 *
 * Fast tier: the faults are judged in a few conform runs, each on just the specs that should catch its faults, with
 * the control in every run: the specs that cost seconds per implementation (the 004-cnn forward pass, the shuffle
 * replay) get a run of their own with only the faults they should catch; the rest, milliseconds each, share one.
 * Full tier: `mnist-spec conform` itself, one process per fault.
 */
const CNN_FORWARD = 'inference:forward:recipe=004-cnn';
const SHUFFLE = 'train:shuffle:each-epoch';
/** Specs that cost seconds per implementation: only the faults they should catch run them. */
const OWN_RUN = [CNN_FORWARD, SHUFFLE];
const CAUGHT_BY: Record<string, string> = {
  'batchnorm-batch-statistics': CNN_FORWARD,
  'batchnorm-epsilon': CNN_FORWARD,
  'conv-kernel-flipped': CNN_FORWARD,
  'flatten-channels-first': CNN_FORWARD,
  'dense-kernel-transposed': 'inference:forward:recipe=001',
  'dense-no-bias': 'inference:forward:recipe=001',
  'dropout-at-inference': 'inference:forward:recipe=001',
  'inputs-rescaled': 'inference:forward:recipe=001',
  'softmax-batch-axis': 'inference:forward:recipe=001',
  'labels-off-by-one': 'train:optimizer:*',
  'rmsprop-pytorch-defaults': 'train:optimizer:rmsprop:defaults',
  // Training-mode layer semantics.
  'relu-gradient-through-zero': 'train:activation:relu',
  'dropout-unscaled': 'train:dropout:inverted-scaling',
  'batchnorm-moving-statistics-in-training': 'train:batchnorm:batch-statistics:*',
  'batchnorm-unbiased-variance': 'train:batchnorm:batch-statistics:*',
  'batchnorm-momentum-swapped': 'train:batchnorm:moving-statistics:*',
  'batchnorm-no-debias': 'train:batchnorm:moving-statistics:*',
  // The fit loop's handling of data across epochs.
  'fit-shuffle-once': SHUFFLE,
  'fit-shuffle-off-by-one': 'train:shuffle:uniform',
  'fit-drops-last-batch': 'train:fit:history:*',
  'fit-validation-split-after-shuffle': 'train:fit:validation-split:last-rows',
  'fit-epoch-loss-unweighted': 'train:fit:epoch-loss:batch-size-weighted',
  // Optimizer hyperparameters, alone and together.
  'adam-no-bias-correction': 'train:optimizer:adam:defaults',
  'adam-decay-ignored': 'train:optimizer:adam:*decay=0.4*',
  'adam-betas-default': 'train:optimizer:adam:lr=0.02;beta1=0.8;beta2=0.95;epsilon=0.0001',
  'adam-amsgrad-ignored': 'train:optimizer:adam:*amsgrad=true',
  'sgd-momentum-pytorch': 'train:optimizer:sgd:momentum=0.8;nesterov=true;decay=0.3',
  'decay-counts-from-one': 'train:optimizer:sgd:decay=0.5',
  'rmsprop-epsilon-inside-root': 'train:optimizer:rmsprop:epsilon',
  // Losses, and numerics at the extremes the notebooks reach.
  'crossentropy-clip-sklearn': 'train:loss:crossentropy-clip:saturated-wrong',
  'mse-summed-over-classes': 'train:optimizer:sgd:loss=mean_squared_error',
  'softmax-overflow': 'inference:extremes:softmax:large-logits',
  'sigmoid-overflow': 'inference:extremes:sigmoid:saturated',
  'batchnorm-epsilon-outside-root': 'inference:extremes:batchnorm:near-zero-variance',
};
const CONTROLS = { 'plain-ts': 'examples/plain-ts/index.ts' } as const;
const faults = listFaults(ROOT);
const claim = (f: PlantedFault) => contract(f.file, f.bug);

let batched: Promise<Map<string, ConformanceReport[]>> | undefined;
/** The conform runs over every fault and the control (shared by the specs below): each implementation's reports. */
function batchedRun(): Promise<Map<string, ConformanceReport[]>> {
  batched ??= (async () => {
    ensureBuilt();
    const env = { ...process.env };
    delete env.MNIST_DIR;
    const known = faults.filter((f) => CAUGHT_BY[f.name]);
    const groups = [...OWN_RUN.map((q) => known.filter((f) => CAUGHT_BY[f.name] === q)), known.filter((f) => !OWN_RUN.includes(CAUGHT_BY[f.name]!))];
    const out = new Map<string, ConformanceReport[]>();
    for (const group of groups) {
      const reports = await runConformanceOfMany({
        impls: [...Object.values(CONTROLS), ...group.map((f) => join(ROOT, f.file))],
        queries: [...new Set(group.map((f) => CAUGHT_BY[f.name]!))],
        data: 'embedded',
        env,
        root: ROOT,
      });
      for (const r of reports) out.set(r.implementation.name, [...(out.get(r.implementation.name) ?? []), r]);
    }
    return out;
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
    expect(CAUGHT_BY[f.name], `${f.file}: add the spec expected to catch it to CAUGHT_BY`).toBeDefined();
    const report = (await batchedRun()).get(f.name)?.[0];
    expect(report, `no report for ${f.name}`).toBeDefined();
    const v = verdictOf(f, report!);
    ctx.record({ caught: v.caught, caughtBy: v.caughtBy }, `conform fails it; ${CAUGHT_BY[f.name]} among the failed specs`);
    expectCaught(v, report!);
  });
}

for (const [name, impl] of Object.entries(CONTROLS)) {
  spec(
    {
      name: 'passes',
      params: { control: name },
      claim: contract('examples/plain-ts/index.ts', 'examples/faulty/ builds this implementation with one piece replaced by a buggy one'),
      timeoutMs: 240_000,
    },
    async (ctx) => {
      const reports = (await batchedRun()).get(name) ?? [];
      expect(reports.length, `no reports for ${impl}`).toBe(OWN_RUN.length + 1);
      const specs = reports.flatMap((r) => r.specs);
      const failed = specs.filter((s) => s.status === 'fail');
      ctx.record(
        reports.map((r) => r.summary),
        'no failure, and specs actually ran',
      );
      expect(failed.map((s) => `${s.id}: ${s.reason}`)).toEqual([]);
      expect(reports.every((r) => r.summary.pass > 0)).toBe(true);
    },
  );
}

spec({ name: 'catches:all', claim: contract('examples/faulty/', 'each with one realistic bug'), timeoutMs: 240_000 }, async (ctx) => {
  const reports = await batchedRun();
  const verdicts = faults.filter((f) => reports.has(f.name)).map((f) => verdictOf(f, reports.get(f.name)![0]!));
  const caught = verdicts.filter((v) => v.caught && v.caughtBy.some((id) => matchesQuery(id, [CAUGHT_BY[v.fault.name] ?? '-']))).length;
  ctx.attach(
    'faults',
    verdicts.map((v) => ({ fault: v.fault.name, file: v.fault.file, bug: v.fault.bug, caught: v.caught, caughtBy: v.caughtBy })),
  );
  ctx.record({ caught, planted: faults.length }, 'caught = planted');
  expect(faults.length).toBeGreaterThanOrEqual(34);
  expect(caught).toBe(faults.length);
});

// The real command, one process per fault, on the spec that should catch it and the model specs (cheap, and every
// fault must pass them or fail them for a reason of its own): exit status 1 and the spec among the failures.
// `npx mnist-spec conform faults` is the full sweep, every fast-tier spec on every fault (hours with plain-ts).
for (const f of faults) {
  spec({ name: 'catches-cli', params: { fault: f.name }, claim: claim(f), tier: 'full', timeoutMs: 600_000 }, async (ctx) => {
    ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), `conform-${f.name}-`));
    try {
      const env = { ...process.env };
      for (const k of RUN_ENV) delete env[k];
      const queries = [CAUGHT_BY[f.name] ?? '*', 'model:*'].flatMap((q) => ['--query', q]);
      const run = spawnSync(process.execPath, [CLI, 'conform', '--impl', join(ROOT, f.file), '--tier', 'fast', ...queries, '--report-dir', dir], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
        timeout: 590_000,
      });
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
