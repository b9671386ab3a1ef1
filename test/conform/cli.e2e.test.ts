import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../src/harness/env.js';
import type { ConformanceReport } from '../../src/conform/report.js';
import { CLI, ensureBuilt, ROOT, runCli, userEnv, type CliRun } from '../../spec/support/build.js';

/**
 * `mnist-spec conform` as a user runs it: the built CLI in child processes, on the plain-ts example, a
 * planted fault with an expectations file, an implementation that throws, returns NaN, the wrong shape
 * and dtype and hangs (async and sync), shards merged back, and an interrupted run.
 */
const scratch = mkdtempSync(join(tmpdir(), 'conform-cli-'));
const ADAPTER = join(ROOT, 'examples', 'plain-ts', 'index.ts');
const MISBEHAVING = join(ROOT, 'test', 'fixtures', 'conform', 'misbehaving.ts');
/** Every spec's timeout in the misbehaving run: ten times what the slowest forward pass takes on a quiet machine. */
const MISBEHAVING_TIMEOUT_S = 20;

/** The runs' own temp directory, inside scratch: a run this file SIGKILLs cannot remove its scratch folder itself. */
const runTmp = join(scratch, 'tmp');
mkdirSync(runTmp);

const env = (): NodeJS.ProcessEnv => userEnv({ TMPDIR: runTmp });
const cli = (args: string[], timeoutMs = 120_000): Promise<CliRun> => runCli(args, { cwd: scratch, env: env(), timeoutMs });

const report = (dir: string): ConformanceReport => JSON.parse(readFileSync(join(scratch, dir, 'report.json'), 'utf8')) as ConformanceReport;
const statusOf = (r: ConformanceReport, id: string): string | undefined => r.specs.find((s) => s.id === id)?.status;
const reasonOf = (r: ConformanceReport, id: string): string => r.specs.find((s) => s.id === id)?.reason ?? '';

const runs: Record<string, CliRun> = {};

beforeAll(async () => {
  ensureBuilt();
  writeFileSync(
    join(scratch, 'expectations.json'),
    JSON.stringify({
      implementation: 'dense-no-bias',
      expectations: [
        { query: 'inference:forward:recipe=001', status: 'fail', reason: 'the bias bug, tracked in issue 1' },
        { query: 'model:build:layers:recipe=001', status: 'fail', reason: 'stale: this one passes' },
        { query: 'model:build:layers:recipe=004-*', status: 'skip', reason: 'not ported yet' },
      ],
    }),
  );
  // The misbehaving run mostly waits on timeouts: it goes alongside the others, which go two at a time. Its timeout
  // (applied to every spec of the run) must outlast a well-behaved spec even on a loaded machine — a verdict that
  // depends on the load is no verdict — so the specs it selects are the notebooks' forward passes only.
  const misbehaving = cli([
    'conform',
    '--impl',
    MISBEHAVING,
    '--query',
    'inference:forward:recipe=*',
    '--query',
    'model:weights:round-trip:*',
    '--timeout',
    String(MISBEHAVING_TIMEOUT_S),
    '--watchdog-grace',
    '5',
    '--report-dir',
    'misbehaving',
  ]);
  const shards = ['1/2', '2/2'].map((shard, i) =>
    cli([
      'conform',
      '--impl',
      ADAPTER,
      '--query',
      'inference:forward:recipe=001',
      '--query',
      'model:build:*',
      '--shard',
      shard,
      '--report-dir',
      `shard${i + 1}`,
    ]),
  );
  const [shard1, shard2] = await Promise.all(shards);
  const expected = await cli([
    'conform',
    '--impl',
    join(ROOT, 'examples', 'faulty', 'dense-no-bias.ts'),
    '--query',
    'inference:forward:recipe=001',
    '--query',
    'model:build:*',
    '--expectations',
    'expectations.json',
    '--report-dir',
    'expected',
  ]);
  const merged = await cli(['conform', 'merge', join(scratch, 'shard1', 'report.json'), join(scratch, 'shard2', 'report.json'), '--report-dir', 'adapter']);
  Object.assign(runs, { shard1, shard2, expected, merged, misbehaving: await misbehaving });
}, 240_000);

// A runner the watchdog killed may still be finishing its writes into scratch/tmp under load: retry ENOTEMPTY.
afterAll(() => rmSync(scratch, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }));

describe('mnist-spec conform', () => {
  it('passes the plain-ts example, exits 0 and writes the four reports (two shards merged into one)', () => {
    for (const k of ['shard1', 'shard2', 'merged']) expect(runs[k]!.status, k + runs[k]!.stderr + runs[k]!.stdout).toBe(0);
    expect(readdirSync(join(scratch, 'adapter')).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'report.md']);
    const [a, b] = [report('shard1'), report('shard2')];
    expect([a.run.shards, b.run.shards]).toEqual([['1/2'], ['2/2']]);
    // the spec files went to one shard or the other, each spec once
    expect(a.specs.length + b.specs.length).toBe(5);
    expect(new Set([...a.specs, ...b.specs].map((s) => s.name)).size).toBe(5);
    const r = report('adapter');
    expect(r.kind).toBe('mnist-spec/conformance-report');
    expect(r.run.shards).toEqual(['1/2', '2/2']);
    expect(r.implementation).toMatchObject({ name: 'plain-ts', declaredName: 'plain-ts', version: '1.0.0', backend: 'plain-typescript' });
    expect(r.implementation.capabilities?.layers).toContain('Conv2D');
    expect(r.suite.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.data.embedded?.split).toBe('embedded-v1');
    expect(r.run.queries).toEqual(['inference:forward:recipe=001', 'model:build:*']);
    expect(r.summary).toMatchObject({ fail: 0, ok: true });
    expect(r.specs.map((s) => s.id).sort()).toEqual([
      'inference:forward:recipe=001',
      'model:build:layers:recipe=001',
      'model:build:layers:recipe=002',
      'model:build:layers:recipe=004-cnn',
      'model:build:layers:recipe=004-mlp',
    ]);
    const forward = r.specs.find((s) => s.id === 'inference:forward:recipe=001')!;
    expect(forward).toMatchObject({ name: 'plain-ts > inference:forward:recipe=001', status: 'pass', file: 'spec/conformance/inference/forward.spec.ts' });
    expect(forward.claim?.source).toMatch(/^seeds\/001_/);
    expect(forward.bound).toMatch(/max \|p − p_keras\|/);
    expect(runs.merged!.stdout).toMatch(/CONFORMS: 5 pass, 0 fail, 0 skip \(5 specs\)/);
    const junit = readFileSync(join(scratch, 'adapter', 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)?.length).toBe(5);
  });

  it('judges a planted fault against its expectations file: expected-fail, unexpected-pass, skip with reason; exit 0', () => {
    const run = runs.expected!;
    expect(run.status, run.stderr + run.stdout).toBe(0);
    const r = report('expected');
    expect(statusOf(r, 'inference:forward:recipe=001')).toBe('expected-fail');
    expect(statusOf(r, 'model:build:layers:recipe=001')).toBe('unexpected-pass');
    expect(reasonOf(r, 'model:build:layers:recipe=001')).toMatch(/expected to fail \(stale: this one passes\) but passed/);
    expect(statusOf(r, 'model:build:layers:recipe=004-cnn')).toBe('skip');
    expect(reasonOf(r, 'model:build:layers:recipe=004-mlp')).toBe('expectations: not ported yet');
    expect(statusOf(r, 'model:build:layers:recipe=002')).toBe('pass');
    expect(r.summary).toMatchObject({ pass: 1, fail: 0, skip: 2, expectedFail: 1, unexpectedPass: 1, ok: true });
    expect(r.run.expectationsFile).toBe('expectations.json');
  });

  it('--strict makes the unexpected pass fail the run (conform merge re-judges a report)', async () => {
    const run = await cli(['conform', 'merge', join(scratch, 'expected', 'report.json'), '--strict', '--report-dir', 'strict']);
    expect(run.status).toBe(1);
    expect(report('strict').summary.ok).toBe(false);
    expect(readFileSync(join(scratch, 'strict', 'junit.xml'), 'utf8')).toContain('type="unexpected-pass"');
  }, 60_000);

  it('fails, with the reason, a spec whose implementation throws, returns NaN, the wrong shape or dtype, or hangs — and goes on', () => {
    const run = runs.misbehaving!;
    expect(run.status, run.stderr + run.stdout).toBe(1);
    const r = report('misbehaving');
    expect(reasonOf(r, 'inference:forward:recipe=001')).toMatch(/runtime exploded: out of device memory/);
    // what the spec printed travels with it
    expect(r.specs.find((s) => s.id === 'inference:forward:recipe=001')!.logs).toEqual(['misbehaving: allocating 1 TiB on the device']);
    expect(reasonOf(r, 'inference:forward:recipe=002')).toMatch(/predict\(\) output: value NaN at flat index 3/);
    expect(reasonOf(r, 'inference:forward:recipe=004-mlp')).toMatch(/predict\(\) output: shape \(16, 9\), expected \(16, 10\)/);
    expect(reasonOf(r, 'inference:forward:recipe=004-cnn')).toMatch(/predict\(\) output: dtype Float64Array, expected Float32Array/);
    // never-resolving promise: vitest's own timeout
    expect(reasonOf(r, 'model:weights:round-trip:recipe=001')).toMatch(new RegExp(`timed out in ${MISBEHAVING_TIMEOUT_S * 1000}ms`, 'i'));
    // a worker stuck in a synchronous loop: the watchdog
    expect(reasonOf(r, 'model:weights:round-trip:recipe=004-cnn')).toMatch(/^timeout: no result after \d+ s .*killed the runner/);
    expect(r.run.watchdogKills).toBe(1);
    expect(r.specs.every((s) => s.status === 'fail')).toBe(true);
    expect(r.specs).toHaveLength(8); // six forward passes (004-mlp twice), two round trips
    expect(run.stdout).toMatch(/⏱ misbehaving > model:weights:round-trip:recipe=004-cnn/);
  });

  it('merges vitest --reporter=json results of a plain sharded vitest run', async () => {
    const out = join(scratch, 'vitest.json');
    const v = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'spec/conformance/model/build.spec.ts', '--reporter=json', `--outputFile=${out}`],
      {
        cwd: ROOT,
        env: { ...env(), [ENV.impl]: ADAPTER },
        encoding: 'utf8',
      },
    );
    expect(v.status, v.stderr).toBe(0);
    const merge = await cli(['conform', 'merge', out, '--impl', 'plain-ts', '--report-dir', 'from-vitest']);
    expect(merge.status, merge.stderr).toBe(0);
    const r = report('from-vitest');
    expect(r.specs.map((s) => s.id).sort()).toEqual([
      'model:build:layers:recipe=001',
      'model:build:layers:recipe=002',
      'model:build:layers:recipe=004-cnn',
      'model:build:layers:recipe=004-mlp',
    ]);
    expect(r.specs.every((s) => s.status === 'pass' && s.claim)).toBe(true);
  }, 60_000);

  it('leaves the previous reports intact when a run is killed', async () => {
    const dir = join(scratch, 'adapter');
    const before = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
    const p = spawn(process.execPath, [CLI, 'conform', '--impl', ADAPTER, '--query', 'model:*', '--report-dir', 'adapter'], { cwd: scratch, env: env() });
    await new Promise((r) => setTimeout(r, 1500));
    p.kill('SIGKILL');
    await new Promise((r) => p.on('close', r));
    expect(Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]))).toEqual(before);
  }, 30_000);

  it('refuses bad usage with exit 2 and a message naming the flag', async () => {
    const [impl, shard, ex] = await Promise.all([
      cli(['conform', '--impl', 'no-such-runtime']),
      cli(['conform', '--impl', ADAPTER, '--shard', '3/2']),
      (async () => {
        writeFileSync(join(scratch, 'bad.json'), JSON.stringify({ expectations: [{ query: 'a:b', status: 'fail' }] }));
        return cli(['conform', '--impl', ADAPTER, '--expectations', 'bad.json']);
      })(),
    ]);
    expect([impl.status, impl.stderr]).toEqual([
      2,
      expect.stringMatching(/--impl: "no-such-runtime" is neither a shipped implementation \(.*tfjs.*\)(, an exec: command)? nor an existing module path/),
    ]);
    expect([shard.status, shard.stderr]).toEqual([2, expect.stringMatching(/--shard: must be i\/n/)]);
    expect([ex.status, ex.stderr]).toEqual([2, expect.stringMatching(/--expectations: bad\.json: expectations\[0\]: every expectation needs a "reason"/)]);
    expect(existsSync(join(scratch, 'reports'))).toBe(false);
  }, 60_000);
});
