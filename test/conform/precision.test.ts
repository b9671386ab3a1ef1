import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConformanceReport } from '../../src/conform/report.js';
import { PRECISION_PROFILES } from '../../src/golden/tolerances.js';
import { profileOf, profileRows } from '../../src/harness/precision.js';
import { ensureBuilt, ROOT, runCli } from '../../spec/support/build.js';

/**
 * Precision profiles (src/golden/tolerances.ts, src/harness/precision.ts): the profile that judges an implementation
 * is the one of the precision it declares, and only that. The same float16 arithmetic (test/fixtures/conform/
 * float16-storage.ts) declared float16 conforms under the float16 profile; declared float32 it is judged with float32's
 * tolerances and fails — a float32 implementation is never judged with float16 tolerances. Runs the built CLI in Node.
 */
describe('the precision profiles', () => {
  it('absent or float32 selects float32; float16 selects float16; anything else is refused', () => {
    expect(profileOf(undefined)).toBe(PRECISION_PROFILES.float32);
    expect(profileOf('float32')).toBe(PRECISION_PROFILES.float32);
    expect(profileOf('float16')).toBe(PRECISION_PROFILES.float16);
    expect(() => profileOf('bfloat16' as never)).toThrow(/info\(\)\.precision is "bfloat16": the suite knows float32, float16/);
  });

  it('every tolerance has its reason, and float16 is nowhere tighter than float32', () => {
    const f32 = profileRows(PRECISION_PROFILES.float32);
    const f16 = profileRows(PRECISION_PROFILES.float16);
    expect(f16.map((r) => r.name)).toEqual(f32.map((r) => r.name));
    for (const r of [...f32, ...f16]) {
      expect(r.reason.length, r.name).toBeGreaterThan(40);
      expect(r.reason, r.name).not.toMatch(/TODO/);
    }
    const a = PRECISION_PROFILES.float32 as unknown as Record<string, { value?: number; atol?: number; rtol?: number }>;
    const b = PRECISION_PROFILES.float16 as unknown as Record<string, { value?: number; atol?: number; rtol?: number }>;
    for (const { name } of f32) {
      for (const k of ['value', 'atol', 'rtol'] as const)
        if (a[name]![k] !== undefined) expect(b[name]![k], `${name}.${k}`).toBeGreaterThanOrEqual(a[name]![k]!);
    }
    expect(PRECISION_PROFILES.float16.unitRoundoff / PRECISION_PROFILES.float32.unitRoundoff).toBe(2 ** 13);
  });
});

const scratch = mkdtempSync(join(tmpdir(), 'conform-precision-'));
const FIXTURES = join(ROOT, 'test', 'fixtures', 'conform');
const QUERIES = ['--query', 'inference:forward:recipe=001', '--query', 'golden:inference:recipe=001', '--query', 'model:predict:probabilities:recipe=001'];

async function conform(fixture: string, dir: string): Promise<{ status: number | null; out: string; report: ConformanceReport; markdown: string }> {
  const args = ['conform', '--impl', join(FIXTURES, fixture), '--data', 'embedded', '--report-dir', join(scratch, dir), ...QUERIES];
  const { status, stdout, stderr } = await runCli(args, { cwd: scratch });
  return {
    status,
    out: stdout + stderr,
    report: JSON.parse(readFileSync(join(scratch, dir, 'report.json'), 'utf8')) as ConformanceReport,
    markdown: readFileSync(join(scratch, dir, 'report.md'), 'utf8'),
  };
}

/** What report.md shows before its first section: the first screen. */
const firstScreen = (md: string): string => md.slice(0, md.indexOf('\n## '));

beforeAll(() => ensureBuilt());
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('conform applies the profile of the declared precision', () => {
  it('float16 arithmetic declared float16: judged with the float16 profile, conforms, and the first screen says so', async () => {
    const r = await conform('float16-declared.ts', 'declared-float16');
    expect(r.status, r.out).toBe(0);
    expect(r.report.implementation).toMatchObject({ precision: { value: 'float16', declared: true }, profile: { precision: 'float16' } });
    for (const s of r.report.specs) {
      expect(s.status).toBe('pass');
      expect(s.bound).toContain('(float16 profile)');
    }
    expect(firstScreen(r.markdown)).toMatch(/\| precision \| float16 \(declared\) — judged with the float16 tolerance profile/);
    expect(firstScreen(r.markdown)).toMatch(/\| tolerances \| forward 0\.005;/);
    expect(r.out).toMatch(/precision float16 \(declared\): judged with the float16 tolerance profile/);
  }, 180_000);

  it("the same arithmetic declared float32: judged with float32 tolerances, never float16's, and fails them", async () => {
    const r = await conform('float16-declared-float32.ts', 'declared-float32');
    expect(r.status, r.out).toBe(1);
    expect(r.report.implementation).toMatchObject({ precision: { value: 'float32', declared: true }, profile: { precision: 'float32' } });
    const byId = Object.fromEntries(r.report.specs.map((s) => [s.id, s]));
    for (const s of r.report.specs) expect(s.bound ?? '').not.toMatch(/float16/);
    expect(byId['inference:forward:recipe=001']).toMatchObject({ status: 'fail', bound: 'max |p − p_keras| ≤ 0.00001' });
    expect(byId['model:predict:probabilities:recipe=001']).toMatchObject({ status: 'fail', bound: '|row sum - 1| ≤ 0.00001' });
    expect(firstScreen(r.markdown)).toMatch(/\| precision \| float32 \(declared\) — judged with the float32 tolerance profile/);
  }, 180_000);
});
