import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPORT_SCHEMA_VERSION, type ConformanceReport } from '../../src/conform/report.js';
import { REPORT_FILES } from '../../src/conform/write.js';
import { runsIn, withRole } from '../../src/impl/registry.js';

/**
 * The committed reference reports of the shipped implementations (`npm run conform:reports`): all four
 * files, readable by this version, conforming, and from a run that had the full MNIST set. A browser implementation's
 * report comes from a run in the browser (its first screen names the browser, the user agent and the precision).
 */
const root = fileURLToPath(new URL('../../', import.meta.url));

function readReport(impl: string): ConformanceReport {
  const dir = join(root, 'reports', impl);
  for (const f of REPORT_FILES) expect(existsSync(join(dir, f)), `${dir}/${f}`).toBe(true);
  const r = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ConformanceReport;
  expect(r.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
  expect(r.implementation.name).toBe(impl);
  expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain(`# mnist-spec conformance: ${impl}`);
  if (runsIn(impl) === 'browser') {
    expect(r.run.command).toContain('--browser chromium');
    expect(r.implementation.browser?.userAgent).toContain('HeadlessChrome/');
    expect(r.implementation.precision).toBeDefined();
  }
  return r;
}

describe.each(withRole('reference-report'))('reports/%s', (impl) => {
  it('is a current, conforming report of that implementation on the full set, with all four files', () => {
    const r = readReport(impl);
    expect(r.summary.ok).toBe(true);
    expect(r.summary.fail).toBe(0);
    expect(r.data.full?.canonical).toBe(true);
    expect(r.specs.some((s) => s.id.startsWith('inference:evaluate:') && s.id.endsWith('data=full') && s.status === 'pass')).toBe(true);
  });
});

describe.each(withRole('caught-example'))('reports/%s (a shipped port that must not conform)', (impl) => {
  it('is a report of that implementation that fails, each failure naming what it measured', () => {
    const r = JSON.parse(readFileSync(join(root, 'reports', impl, 'report.json'), 'utf8')) as ConformanceReport;
    expect(r.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(r.implementation.name).toBe(impl);
    expect(r.summary.ok).toBe(false);
    const failed = r.specs.filter((s) => s.status === 'fail');
    expect(failed.length).toBeGreaterThan(0);
    for (const s of failed) expect(s.reason ?? s.errors?.join('\n') ?? '', s.id).not.toBe('');
  });
});
