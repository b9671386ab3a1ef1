import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConformanceReport } from '../../src/conform/report.js';
import { ensureBuilt, ROOT, runCli, userEnv, type CliRun } from '../../spec/support/build.js';

/**
 * `mnist-spec conform --impl exec:…` and the shipped process implementations, as a user runs them (the built
 * CLI): a process that crashes or hangs fails the specs it was in with the protocol's reason and the run goes
 * on with fresh processes; a command that cannot be found is bad usage; pytorch without its interpreter skips
 * every spec saying how to install it.
 */
const PYTHON = process.env.MNIST_SPEC_PYTHON ?? '/usr/bin/python3';
const MISBEHAVING = join(ROOT, 'test', 'fixtures', 'remote', 'misbehaving.py');
const hasNumpy = spawnSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
const scratch = mkdtempSync(join(tmpdir(), 'conform-remote-'));

const cli = (args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 240_000): Promise<CliRun> =>
  runCli(args, { cwd: scratch, env: userEnv(extraEnv), timeoutMs });

const report = (dir: string): ConformanceReport => JSON.parse(readFileSync(join(scratch, dir, 'report.json'), 'utf8')) as ConformanceReport;
const exec = (o: object): string => `exec:${JSON.stringify(o)}`;

beforeAll(() => ensureBuilt());
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!hasNumpy)('conform --impl exec: with a process that misbehaves', () => {
  it('a process that crashes in predict fails those specs with the reason; the run goes on with fresh processes', async () => {
    const r = await cli([
      'conform',
      '--impl',
      exec({ argv: [PYTHON, MISBEHAVING, 'exit'], name: 'crashes' }),
      '--query',
      'model:predict:*',
      '--query',
      'model:build:*',
      '--data',
      'embedded',
      '--report-dir',
      'crashes',
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    const rep = report('crashes');
    const predict = rep.specs.filter((s) => s.id.startsWith('model:predict:') && s.status !== 'skip');
    const build = rep.specs.filter((s) => s.id.startsWith('model:build:') && s.status !== 'skip');
    expect(predict.length).toBeGreaterThanOrEqual(4);
    for (const s of predict) {
      expect(s.status).toBe('fail');
      expect(s.reason).toMatch(/protocol error \(exit\): .*misbehaving\.py exit .*exited with code 3 during 'predict' \(id \d+\)/);
    }
    expect(build.length).toBe(3);
    for (const s of build) expect(s.status).toBe('pass');
    expect(rep.run.watchdogKills).toBe(0);
  }, 240_000);

  it('a process that hangs is killed at its timeout: that spec fails, the rest run', async () => {
    const r = await cli([
      'conform',
      '--impl',
      exec({ argv: [PYTHON, MISBEHAVING, 'hang'], name: 'hangs', timeoutSeconds: 2 }),
      '--query',
      'model:predict:inference-mode:*',
      '--query',
      'model:predict:batch-size-invariant:recipe=001',
      '--query',
      'model:summary:recipe=001',
      '--data',
      'embedded',
      '--report-dir',
      'hangs',
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    const rep = report('hangs');
    const status = Object.fromEntries(rep.specs.map((s) => [s.id, s.status]));
    expect(status).toEqual({
      'model:predict:inference-mode:recipe=001': 'fail',
      'model:predict:batch-size-invariant:recipe=001': 'fail',
      'model:summary:recipe=001': 'pass',
    });
    for (const s of rep.specs.filter((x) => x.status === 'fail'))
      expect(s.reason).toMatch(/protocol error \(timeout\): no reply for 'predict' \(id \d+\) within 2\.0 s: killed/);
  }, 240_000);
});

describe('conform --impl exec: and the shipped process implementations, used wrongly or where they cannot run', () => {
  it('a program that cannot be found is bad usage: one line, exit 2, no report', async () => {
    const r = await cli(['conform', '--impl', 'exec:no-such-runtime --model x', '--report-dir', 'nothing']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('mnist-spec: --impl: exec: cannot find the program "no-such-runtime" on PATH');
  });

  it('pytorch without its Python skips every spec, saying how to install it', async () => {
    const r = await cli(
      ['conform', '--impl', 'pytorch', '--query', 'model:build:*', '--query', 'train:optimizer:adam:*', '--data', 'embedded', '--report-dir', 'no-python'],
      { MNIST_SPEC_PYTHON: '/nonexistent/python3' },
    );
    // Nothing judged is not conformance (main's verdict integrity): exit 1, with the reason on the first screen.
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/NOTHING JUDGED/);
    const rep = report('no-python');
    expect(rep.summary.pass).toBe(0);
    expect(rep.summary.skip).toBe(rep.specs.length);
    for (const s of rep.specs)
      expect(s.reason).toMatch(
        /implementation "pytorch" is unavailable here: \/nonexistent\/python3 not found .* install it with: apt-get install -y python3-numpy python3-torch/,
      );
    expect(r.stdout).toMatch(/note: unavailable: \/nonexistent\/python3 not found/);
  }, 240_000);
});
