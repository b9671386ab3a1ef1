import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, INSTALL_CHROMIUM } from '../../src/browser/chromium.js';
import type { ConformanceReport } from '../../src/conform/report.js';
import { REPORT_FILES } from '../../src/conform/write.js';
import { ensureBuilt, runCli } from '../../spec/support/build.js';

/**
 * The browser path of `mnist-spec conform`, in CI (`npm run test:e2e`) so it cannot rot (issue 12): `--browser chromium --impl
 * tfjs-wasm`, the built CLI as a user runs it, on a handful of specs that cross every part of it — the summary (layers
 * through the protocol), the golden CNN outputs (tensors across the WebSocket), a forward pass against float64 Keras,
 * batch invariance, one optimizer and one training (fit in the page, its samples/s in the report). The whole fast tier
 * in the page takes minutes of CPU (`npm run conform:reports -- tfjs-wasm` keeps that report); this takes seconds.
 * Without /usr/bin/chromium (.ci/run installs it) it skips, saying so.
 */
const available = existsSync(CHROMIUM_PATH);
const scratch = mkdtempSync(join(tmpdir(), 'conform-browser-ci-'));
const QUERIES = [
  'model:summary:recipe=004-cnn',
  'golden:inference:recipe=004-cnn',
  'inference:forward:recipe=001',
  'model:predict:batch-size-invariant:recipe=001',
  'train:optimizer:adam:defaults',
  'train:fit:learns',
];

beforeAll(() => ensureBuilt());
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!available)(
  `conform --browser chromium --impl tfjs-wasm (${available ? CHROMIUM_PATH : `skipped: no ${CHROMIUM_PATH}; ${INSTALL_CHROMIUM}`})`,
  () => {
    it('conforms on a handful of specs, writing all four reports with the browser, its GPU strings and the precision on the first screen', async () => {
      const args = [
        'conform',
        '--browser',
        'chromium',
        '--impl',
        'tfjs-wasm',
        '--data',
        'embedded',
        '--report-dir',
        join(scratch, 'r'),
        ...QUERIES.flatMap((q) => ['--query', q]),
      ];
      const run = await runCli(args, { cwd: scratch });
      const [status, out] = [run.status, run.stdout + run.stderr];
      expect(status, out).toBe(0);
      expect(out).toMatch(/^CONFORMS: \d+ pass, 0 fail/m);
      for (const f of REPORT_FILES) expect(existsSync(join(scratch, 'r', f)), f).toBe(true);

      const r = JSON.parse(readFileSync(join(scratch, 'r', 'report.json'), 'utf8')) as ConformanceReport;
      expect(r.run.command).toMatch(/^mnist-spec conform --browser chromium --impl tfjs-wasm /);
      expect(r.implementation).toMatchObject({
        name: 'tfjs-wasm',
        backend: 'wasm',
        precision: { value: 'float32', declared: true },
        profile: { precision: 'float32' },
      });
      const b = r.implementation.browser!;
      expect(b.name).toBe('chromium');
      expect(b.version).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(b.userAgent).toContain('HeadlessChrome/');
      expect(b.webglRenderer).toBeTruthy();
      expect(b.crossOriginIsolated).toBe(true);
      const ids = r.specs.map((s) => s.id);
      for (const q of QUERIES)
        expect(
          ids.some((id) => id.startsWith(q)),
          q,
        ).toBe(true);
      for (const s of r.specs) expect(s.status, `${s.id}: ${s.reason ?? ''}`).toBe('pass');
      const trained = r.specs.filter((s) => s.training);
      expect(trained.length).toBeGreaterThan(0);
      for (const s of trained) expect(s.training!.samplesPerSecond).toBeGreaterThan(0);

      const md = readFileSync(join(scratch, 'r', 'report.md'), 'utf8');
      const first = md.slice(0, md.indexOf('\n## '));
      expect(first).toMatch(/\| precision \| float32 \(declared\) — judged with the float32 tolerance profile/);
      expect(first).toMatch(/\| user agent \| .*HeadlessChrome/);
      expect(first).toMatch(/\| GPU \| WebGL renderer: /);
      const junit = readFileSync(join(scratch, 'r', 'junit.xml'), 'utf8');
      expect(junit).toContain('name="precision" value="float32"');
    }, 240_000);
  },
);
