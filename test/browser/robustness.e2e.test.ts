import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, INSTALL_CHROMIUM } from '../../src/browser/chromium.js';
import type { ConformanceReport } from '../../src/conform/report.js';
import { ensureBuilt, ROOT, runCli, userEnv, type CliRun } from '../../spec/support/build.js';

/**
 * `mnist-spec conform --browser chromium` with pages that misbehave (test/fixtures/browser/faulty-page.ts), as a
 * user runs it (the built CLI): a page that hangs, whose renderer is killed, that throws outside any call, or that
 * never loads fails the specs it was serving with the reason, and the run goes on with fresh pages, writing all
 * four reports; afterwards no browser process of the run is left. The fixtures are examples/plain-ts (plain
 * TypeScript arithmetic), the timeouts a few seconds: each run takes seconds, not minutes.
 */
const available = existsSync(CHROMIUM_PATH);
const scratch = mkdtempSync(join(tmpdir(), 'conform-browser-'));
const FIXTURES = join(ROOT, 'test', 'fixtures', 'browser');

/** A run, and its TMPDIR: Chromium's profile directory is under it, so its processes' command lines name it. */
type Run = CliRun & { tmp: string };

async function cli(name: string, args: string[], extraEnv: Record<string, string> = {}, cwd = scratch): Promise<Run> {
  const tmp = join(scratch, `tmp-${name}`);
  mkdirSync(tmp, { recursive: true });
  const conform = ['conform', '--browser', 'chromium', '--data', 'embedded', '--report-dir', join(scratch, name), ...args];
  return { ...(await runCli(conform, { cwd, env: userEnv({ TMPDIR: tmp, ...extraEnv }), timeoutMs: 150_000 })), tmp };
}

const report = (name: string): ConformanceReport => JSON.parse(readFileSync(join(scratch, name, 'report.json'), 'utf8')) as ConformanceReport;

/**
 * Processes whose command line mentions `text` (Chromium's, by its profile directory under the run's TMPDIR), with
 * that command line: read once, since a process may exit between two reads of /proc.
 */
function processesMentioning(text: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes(text)) found.push({ pid: Number(pid), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** All four reports written; the browser closed (no process of the run left). */
function expectCleanEnd(name: string, r: Run): ConformanceReport {
  for (const f of ['report.json', 'report.md', 'report.html', 'junit.xml']) expect(existsSync(join(scratch, name, f)), f).toBe(true);
  expect(
    processesMentioning(r.tmp).map((p) => p.cmdline),
    'browser processes left running',
  ).toEqual([]);
  return report(name);
}

const statuses = (rep: ConformanceReport): Record<string, string> => Object.fromEntries(rep.specs.map((s) => [s.id, s.status]));

beforeAll(() => ensureBuilt());
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!available)(
  `conform --browser chromium with pages that misbehave (${available ? CHROMIUM_PATH : `skipped: no ${CHROMIUM_PATH}; ${INSTALL_CHROMIUM}`})`,
  () => {
    const queries = [
      '--query',
      'model:predict:batch-size-invariant:recipe=001',
      '--query',
      'model:predict:probabilities:recipe=001',
      '--query',
      'model:summary:recipe=001',
    ];

    it('a page that blocks its event loop fails that spec at the protocol timeout; the next spec gets a fresh page', async () => {
      const r = await cli('hang', ['--impl', join(FIXTURES, 'faulty-hang.ts'), ...queries], { MNIST_SPEC_REMOTE_TIMEOUT: '3' });
      expect(r.status, r.stdout + r.stderr).toBe(1);
      const rep = expectCleanEnd('hang', r);
      expect(statuses(rep)).toEqual({
        'model:predict:batch-size-invariant:recipe=001': 'fail',
        'model:predict:probabilities:recipe=001': 'pass',
        'model:summary:recipe=001': 'pass',
      });
      const failed = rep.specs.find((s) => s.status === 'fail')!;
      expect(failed.reason).toMatch(/protocol error \(timeout\): no reply for 'predict' \(id \d+\) within 3\.0 s/);
      expect(failed.reason).toMatch(/chromium .*page running .*faulty-hang\.ts/);
    }, 180_000);

    it('a page whose renderer process is killed fails that spec, saying it crashed; the run goes on', async () => {
      // The fixture asks this server when it starts its long predict; the server then kills the renderers of that run.
      let killed = 0;
      let runTmp = '';
      const signal: Server = createServer((_req, res) => {
        for (const { pid, cmdline } of processesMentioning(runTmp)) {
          if (!cmdline.includes('--type=renderer')) continue;
          try {
            process.kill(pid, 'SIGKILL');
            killed++;
          } catch {
            // exited since /proc was read
          }
        }
        res.end();
      });
      await new Promise<void>((done) => signal.listen(0, '127.0.0.1', done));
      try {
        const module = join(scratch, 'crashes.ts');
        const url = `http://127.0.0.1:${(signal.address() as AddressInfo).port}/`;
        writeFileSync(
          module,
          `import { faulty } from ${JSON.stringify(join(FIXTURES, 'faulty-page.ts'))};\nexport default faulty('sleep', ${JSON.stringify(url)});\n`,
        );
        runTmp = join(scratch, 'tmp-crash');
        // The two predict specs only: they share one spec file, so the run has one page open when the server kills its
        // renderers (with a second file's page open, or loading, the sweep would kill that one too, a race of the test's own).
        const r = await cli('crash', ['--impl', module, ...queries.slice(0, 4)]);
        expect(r.status, r.stdout + r.stderr).toBe(1);
        expect(killed).toBeGreaterThan(0);
        const rep = expectCleanEnd('crash', r);
        expect(statuses(rep)).toEqual({
          'model:predict:batch-size-invariant:recipe=001': 'fail',
          'model:predict:probabilities:recipe=001': 'pass',
        });
        for (const failed of rep.specs.filter((s) => s.status === 'fail')) {
          expect(failed.reason).toMatch(/page running .*crashes\.ts crashed \(its renderer process is gone\)/);
        }
        expect(rep.specs.find((s) => s.id === 'model:predict:batch-size-invariant:recipe=001')!.reason).toMatch(/during 'predict'/);
      } finally {
        await new Promise((done) => signal.close(done));
      }
    }, 180_000);

    it('a page that throws outside any call fails the spec it was serving with the error', async () => {
      const r = await cli('throws', [
        '--impl',
        join(FIXTURES, 'faulty-throw-outside.ts'),
        '--query',
        'model:predict:inference-mode:recipe=001',
        ...queries.slice(2),
      ]);
      expect(r.status, r.stdout + r.stderr).toBe(1);
      const rep = expectCleanEnd('throws', r);
      expect(statuses(rep)).toEqual({
        'model:predict:inference-mode:recipe=001': 'fail',
        'model:predict:probabilities:recipe=001': 'pass',
        'model:summary:recipe=001': 'pass',
      });
      expect(rep.specs.find((s) => s.status === 'fail')!.reason).toMatch(/threw outside any call \(an uncaught error in the page\): boom outside any call/);
    }, 180_000);

    it('a page that never loads fails every spec with the reason, and the report says the implementation never reported itself', async () => {
      const r = await cli('never', ['--impl', join(FIXTURES, 'never-loads.ts'), ...queries.slice(2)], { MNIST_SPEC_PAGE_LOAD_TIMEOUT: '3' });
      expect(r.status, r.stdout + r.stderr).toBe(1);
      const rep = expectCleanEnd('never', r);
      expect(rep.specs.map((s) => s.status)).toEqual(['fail', 'fail']);
      for (const s of rep.specs) expect(s.reason).toMatch(/never-loads\.ts: the page did not connect within 3000 ms/);
      expect(rep.implementation.infoError).toMatch(/never reported itself/);
    }, 180_000);
  },
);

describe.skipIf(!available)("conform --browser chromium with a user's own browser module", () => {
  it('./my-web-runtime.js is bundled for the page and judged like a shipped one', async () => {
    const r = await cli(
      'mine',
      ['--impl', './test/fixtures/browser/my-web-runtime.js', '--query', 'model:summary:*', '--query', 'inference:forward:recipe=001'],
      {},
      ROOT,
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/CONFORMS/);
    const rep = expectCleanEnd('mine', r);
    expect(rep.summary.pass).toBe(6);
    expect(rep.implementation).toMatchObject({
      module: './test/fixtures/browser/my-web-runtime.js',
      declaredName: 'my-web-runtime',
      precision: { value: 'float32', declared: false },
    });
    expect(rep.implementation.browser?.userAgent).toContain('HeadlessChrome/');
    expect(rep.run.command).toContain('--browser chromium');
  }, 180_000);

  it('a module that reads files with node:fs is bad usage: one line naming the module and the import, no report', async () => {
    const r = await cli('uses-fs', ['--impl', './test/fixtures/browser/uses-fs.ts'], {}, ROOT);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/uses-fs\.ts.*node:fs/);
    expect(existsSync(join(scratch, 'uses-fs', 'report.json'))).toBe(false);
  }, 60_000);
});
