import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConformanceReport } from '../../src/conform/report.js';
import { ensureBuilt, ROOT, userEnv } from '../../spec/support/build.js';

/**
 * The package as a user gets it: `npm pack`, installed from the tarball into a fresh project, with that project's own
 * implementations — one in plain JavaScript, one in TypeScript, written there (test/fixtures/package/) — judged by
 * `npx mnist-spec conform` as the README tells a porter to run it. `npm run test:package` (CI runs it after `npm test`:
 * installing ~150 packages takes most of a minute).
 */
const FIXTURES = join(ROOT, 'test', 'fixtures', 'package');
const work = mkdtempSync(join(tmpdir(), 'mnist-spec-package-'));
const project = join(work, 'my-port');
let tarball = '';

function run(cmd: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, env: userEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const report = (name: string): ConformanceReport => JSON.parse(readFileSync(join(project, 'reports', name, 'report.json'), 'utf8')) as ConformanceReport;

beforeAll(() => {
  ensureBuilt();
  // Scripts off: dist/ is built already, and a `prepare` build here would rewrite dist/ under the other test files.
  const pack = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
  expect(pack.status, pack.stderr).toBe(0);
  tarball = join(work, (JSON.parse(pack.stdout) as { filename: string }[])[0]!.filename);
  run('mkdir', ['-p', project], work);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-port', version: '1.0.0', type: 'module', private: true }, null, 2));
  // As the README says: onnxruntime-node's install script would otherwise download CUDA providers from nuget.org.
  writeFileSync(join(project, '.npmrc'), 'onnxruntime-node-install=skip\n');
  const install = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
  expect(install.status, install.stderr).toBe(0);
  for (const f of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, f), join(project, f));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] },
      files: ['my-ts-runtime.ts'],
    }),
  );
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package, installed into a fresh project', () => {
  it('ships the CLI, the conformance specs, the golden models and the types, and nothing of the repository besides', () => {
    const listed = run('tar', ['-tzf', tarball], work)
      .stdout.split('\n')
      .map((f) => f.replace(/^package\//, ''));
    for (const f of [
      'dist/cli/main.js',
      'dist/api/index.d.ts',
      'dist/conform/child.js',
      'spec/conformance/model/weights.spec.ts',
      'src/harness/spec.ts',
      'golden/manifest.json',
      'vitest.config.ts',
      'README.md',
    ]) {
      expect(listed, f).toContain(f);
    }
    expect(listed.filter((f) => /^(test|reports|scripts|bench|\.ci|spec\/suite|node_modules)\//.test(f))).toEqual([]);
  });

  it('type-checks a TypeScript implementation against the types of the package root', () => {
    const tsc = run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], project);
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
  });

  it('loads a TypeScript implementation in the commands that run it in Node: npx mnist-spec summary 001 --impl ./my-ts-runtime.ts', () => {
    // Node 20 cannot import .ts itself; conform's specs run under vitest, the other commands register tsx's loader.
    const r = run('npx', ['mnist-spec', 'summary', '001', '--impl', './my-ts-runtime.ts'], project);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Total params: 669,706');
  });

  for (const [file, name] of [
    ['my-js-runtime.js', 'my-js-runtime'],
    ['my-ts-runtime.ts', 'my-ts-runtime'],
  ] as const) {
    it(`conforms: npx mnist-spec conform --impl ./${file}`, () => {
      const r = run('npx', ['mnist-spec', 'conform', '--impl', `./${file}`], project);
      expect(r.status, r.stdout.slice(-3000) + r.stderr).toBe(0);
      const rep = report(name);
      expect(rep.summary.ok).toBe(true);
      expect(rep.summary.fail).toBe(0);
      expect(rep.implementation.declaredName).toBe(name);
      // The spec that failed every out-of-tree implementation when errors were judged by class identity.
      expect(rep.specs.find((s) => s.id === 'model:weights:set-rejects-bad-shape')?.status).toBe('pass');
      expect(rep.specs.filter((s) => s.status === 'pass').length).toBeGreaterThan(20);
    }, 300_000);
  }
});
