import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../src/harness/env.js';
import type { SpecRecordLike } from '../src/harness/record.js';

// The harness's own guarantees, checked by running a small suite of deliberately bad specs in a child vitest.
const root = fileURLToPath(new URL('./fixtures/harness/', import.meta.url));
type Result = { fullName: string; status: string; failureMessages: string[]; meta?: { spec?: SpecRecordLike } };
let results: Result[] = [];
let exitCode: number | null = null;

beforeAll(() => {
  const out = join(mkdtempSync(join(tmpdir(), 'harness-')), 'results.json');
  // No implementations (this suite judges the harness, not a runtime) and no full data set.
  const env: NodeJS.ProcessEnv = { ...process.env, [ENV.impl]: '' };
  delete env[ENV.mnistDir];
  const run = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--root', root, '--reporter=json', `--outputFile=${out}`], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env,
    encoding: 'utf8',
  });
  exitCode = run.status;
  const json = JSON.parse(readFileSync(out, 'utf8')) as { testResults: { assertionResults: Result[] }[] };
  results = json.testResults.flatMap((f) => f.assertionResults);
}, 60_000);

const find = (name: string): Result => {
  const r = results.find((x) => x.fullName.includes(name));
  if (!r) throw new Error(`no result for ${name}: ${results.map((x) => x.fullName).join(' | ')}`);
  return r;
};

describe('spec harness', () => {
  it('fails the suite when a spec has problems', () => {
    expect(exitCode).not.toBe(0);
  });
  it('fails a test under spec/ registered without metadata', () => {
    const r = find('a bare test without metadata');
    expect(r.status).toBe('failed');
    expect(r.failureMessages.join('\n')).toMatch(/must be registered with the harness's spec\(decl, fn\)/);
  });
  it.runIf(existsSync(fileURLToPath(new URL('../../shared/seeds', import.meta.url))))('fails a notebook claim whose quote is not in the notebook', () => {
    const r = find('INVALID SPEC: cases:bad-quote');
    expect(r.status).toBe('failed');
    expect(r.failureMessages.join('\n')).toMatch(/claim quote not found in seeds\/001_/);
  });
  it('fails a malformed name', () => {
    expect(find('INVALID SPEC: cases:no colon here').status).toBe('failed');
  });
  it('fails an id registered twice, and passes the first', () => {
    expect(find('INVALID SPEC: cases:twice').failureMessages.join('\n')).toMatch(/registered twice/);
    expect(results.filter((x) => /(^| )cases:twice$/.test(x.fullName) && x.status === 'passed')).toHaveLength(1);
  });
  it('fails a file whose kind is not the folder it lives in', () => {
    const r = results.find((x) => x.fullName.includes('INVALID SPEC:') && x.fullName.includes('misplaced.spec.ts'));
    expect(r?.status).toBe('failed');
    expect(r?.failureMessages.join('\n')).toMatch(/spec\/conformance\/ judges implementations/);
  });
  it('passes a well-formed spec and carries its measurement to reporters', () => {
    const r = find('cases:good');
    expect(r.status).toBe('passed');
    expect(r.meta?.spec?.measured).toBe(0.9842);
  });
  it('passes a spec that warns, carrying its warnings, placements and stochastic metadata to reporters', () => {
    const r = find('cases:warned');
    expect(r.status).toBe('passed');
    expect(r.meta?.spec?.warnings).toEqual(["accuracy 0.9 lies below the reference's 1st percentile 0.95"]);
    expect(r.meta?.spec?.placements).toMatchObject([{ quantity: 'accuracy', percentile: 0, beyondTail: true }]);
    expect(r.meta?.spec?.stochastic).toEqual({ why: 'three runs', method: 'none', falseFailure: 0.5 });
    expect(r.meta?.spec?.tags).toContain('stochastic');
  });
  it('skips, with the reason, a spec whose data is missing', () => {
    const r = find('cases:needs-full');
    expect(r.status).toBe('skipped');
    expect(r.meta?.spec?.skipReason).toMatch(/MNIST_DIR/);
  });
});
