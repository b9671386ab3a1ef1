/**
 * Properties behind the robustness suite, over spaces too large for examples (fast-check): query matching
 * that agrees with a reference and costs at most 2·(|id| + |query|) comparisons, RegExps for vitest that
 * cannot backtrack catastrophically, names that stay one path component inside the chosen directory, and
 * run-record names that never collide.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { capText, MAX_LOG_LINE } from '../../../src/conform/reporter.js';
import { matchesQuery, matchQueryCounted, querySource, testNamePattern } from '../../../src/conform/query.js';
import { ArgumentError } from '../../../src/errors.js';
import { pathInside, safePathComponent, writeNewFile } from '../../../src/util/fs.js';

const scratch = mkdtempSync(join(tmpdir(), 'mnist-spec-props-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The glob semantics by the book, for short strings only: dynamic programming over (query, id) positions. */
function reference(id: string, q: string): boolean {
  const m = new Array<boolean>(id.length + 1).fill(false);
  m[0] = true;
  for (const c of q) {
    if (c === '*') for (let j = 1; j <= id.length; j++) m[j] = m[j]! || m[j - 1]!;
    else {
      for (let j = id.length; j >= 1; j--) m[j] = m[j - 1]! && id[j - 1] === c;
      m[0] = false;
    }
  }
  return m[id.length]!;
}

const alphabet = fc.constantFrom('a', 'b', ':', '=', '*');
const shortQuery = fc.array(alphabet, { minLength: 1, maxLength: 10 }).map((a) => a.join(''));
const shortId = fc.array(fc.constantFrom('a', 'b', ':', '='), { maxLength: 14 }).map((a) => a.join(''));

describe('query matching (src/conform/query.ts)', () => {
  it('agrees with the reference semantics of * on every id', () => {
    fc.assert(
      fc.property(shortId, shortQuery, (id, q) => {
        expect(matchQueryCounted(id, q).match).toBe(reference(id, q));
        expect(new RegExp(`^(?:${querySource(q)})$`).test(id)).toBe(reference(id, q));
      }),
      { numRuns: 2000 },
    );
  });

  it('costs at most 2·(|id| + |query|) character comparisons, whatever the stars', () => {
    const longId = fc.array(fc.constantFrom('a', 'b', ':'), { maxLength: 400 }).map((a) => a.join(''));
    const longQuery = fc.array(fc.constantFrom('a', 'b', '*', '**********', 'ab', 'Z'), { minLength: 1, maxLength: 60 }).map((a) => a.join(''));
    fc.assert(
      fc.property(longId, longQuery, (id, q) => {
        expect(matchQueryCounted(id, q).steps).toBeLessThanOrEqual(2 * (id.length + q.length));
      }),
      { numRuns: 500 },
    );
  });

  it('gives vitest a RegExp that answers at once on the inputs that made the old one backtrack for minutes', () => {
    // The old pattern turned each * into .*: `model:**********Z` against a 40-character id is C(40, 10) ways.
    const names = ['spec/model/summary.spec.ts tfjs model:summary:recipe=004-cnn', `tfjs model:${'a'.repeat(5000)}`, `tfjs ${'model:'.repeat(800)}`];
    const queries = ['model:**********Z', `model:${'*a'.repeat(40)}Z`, `${'*model:'.repeat(30)}*Z`, 'model:*:*:*:*:*:*:*:*:*:*:*:Z'];
    const pattern = new RegExp(testNamePattern('tfjs', queries, ['tfjs > model:summary:recipe=001']));
    for (const n of names) expect(pattern.test(n)).toBe(false);
    expect(pattern.test('tfjs model:summary:Z')).toBe(true);
    expect(matchesQuery(`model:${'a'.repeat(100_000)}`, ['model:**********Z'])).toBe(false);
  }, 10_000);

  it('selects in vitest exactly the ids the query matches, behind any prefix of names, never an excluded one', () => {
    fc.assert(
      fc.property(shortId, shortQuery, fc.constantFrom('', 'spec/x.spec.ts ', 'a b c '), (id, q, prefix) => {
        const pattern = new RegExp(testNamePattern(['impl-a', 'impl b'], [q], ['impl-a > excluded']));
        expect(pattern.test(`${prefix}impl-a ${id}`)).toBe(reference(id, q) && id !== 'excluded');
        expect(pattern.test(`${prefix}impl b ${id}`)).toBe(reference(id, q));
        expect(pattern.test(`${prefix}other ${id}`)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("what a report keeps of an implementation's output (src/conform/reporter.ts)", () => {
  it('cuts a 1 MiB log line to MAX_LOG_LINE characters and says how much it cut', () => {
    const line = capText('x'.repeat(2 ** 20), MAX_LOG_LINE);
    expect(line).toBe(`${'x'.repeat(MAX_LOG_LINE)}… (${2 ** 20 - MAX_LOG_LINE} more characters cut)`);
    expect(capText('short', MAX_LOG_LINE)).toBe('short');
  });
});

describe('names that become paths (src/util/fs.ts)', () => {
  const dir = join(scratch, 'chosen');
  it('safePathComponent makes any name one component inside the directory, never . or ..', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 120 }).map((a) => String.fromCharCode(...a)),
          fc.array(fc.constantFrom('..', '.', '/', '\\', 'a', '\0', 'C:'), { maxLength: 12 }).map((a) => a.join('')),
        ),
        (name) => {
          const c = safePathComponent(name);
          expect(c.length).toBeGreaterThan(0);
          expect(c.length).toBeLessThanOrEqual(100);
          expect(c).toMatch(/^[A-Za-z0-9_\-+=@][A-Za-z0-9._\-+=@]*$/);
          const p = resolve(dir, c);
          expect(p.startsWith(dir + sep)).toBe(true);
          expect(relative(dir, p)).toBe(c);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('pathInside refuses any path that leaves the directory, and keeps every other', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('..', '.', 'a', 'b', '/x', ''), { minLength: 1, maxLength: 6 }), (parts) => {
        const target = resolve(join(dir, ...parts));
        const leaves = !target.startsWith(dir + sep); // join, as pathInside does: '/x' is a part, not a root
        if (leaves) expect(() => pathInside(dir, '--out', ...parts)).toThrow(ArgumentError);
        else expect(resolve(pathInside(dir, '--out', ...parts))).toBe(target);
      }),
      { numRuns: 500 },
    );
  });

  it('writeNewFile never writes over a file, even when records start in the same millisecond', async () => {
    const out = join(scratch, 'records');
    const name = (n: number): string => join(out, `001-engine-embedded-seed1-2026-01-01T00-00-00-000Z${n ? `-${n + 1}` : ''}.json`);
    const written = await Promise.all(Array.from({ length: 12 }, (_, i) => writeNewFile(name, `{"run": ${i}}\n`)));
    expect(new Set(written).size).toBe(12);
    expect(readdirSync(out).sort()).toEqual(written.map((w) => w.slice(out.length + 1)).sort());
    expect(written.map((w) => JSON.parse(readFileSync(w, 'utf8')).run).sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
  });
});
