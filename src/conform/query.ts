import { ArgumentError } from '../errors.js';

/**
 * Queries select specs by id, as the WebGPU CTS's do: `model:summary:recipe=001` is that spec,
 * `model:summary:*` every spec under `model:summary:`, `*` everything; `*` matches any run of characters
 * (colons included) and may appear anywhere. A query never contains spaces.
 */
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export function checkQuery(q: string): string {
  if (!q || /\s/.test(q)) throw new ArgumentError('--query', `"${q}" is not a spec id pattern (no spaces; * matches anything)`);
  return q;
}

/** The RegExp source matching exactly the ids a query selects (unanchored: callers anchor it). */
export function querySource(q: string): string {
  return checkQuery(q).split('*').map(escape).join('.*');
}

/**
 * Whether a query can select some id under `prefix` (a spec file's `area:file`): the ids there are `prefix:…`.
 * Exact and linear: a query without `*` must start with `prefix:`; with one, its literal head must agree with
 * `prefix:` as far as both go, and the first `*` can absorb the rest.
 */
export function queryReachesPrefix(q: string, prefix: string): boolean {
  const head = `${prefix}:`;
  const star = q.indexOf('*');
  if (star < 0) return q.startsWith(head);
  const literal = q.slice(0, star);
  return head.startsWith(literal) || literal.startsWith(head);
}

export function matchesQuery(id: string, queries: readonly string[]): boolean {
  return queries.some((q) => new RegExp(`^(?:${querySource(q)})$`).test(id));
}

/**
 * vitest's testNamePattern for a run: vitest matches it against the test's parents and name joined by
 * spaces (`spec/conformance/model/summary.spec.ts tfjs model:summary:recipe=001` or without the file), so the pattern
 * anchors the id at the end, after `<impl> `. `exclude` lists full names (`tfjs > model:…`) that must not
 * run (already done, or hung); `implementation` undefined selects suite specs (registered once, not per implementation).
 */
export function testNamePattern(implementation: string | readonly string[] | undefined, queries: readonly string[], exclude: readonly string[] = []): string {
  const impls = implementation === undefined ? [] : typeof implementation === 'string' ? [implementation] : implementation;
  const prefix = impls.length ? `(?:${impls.map(escape).join('|')}) ` : '';
  const ids = queries.map(querySource).join('|');
  const excluded = exclude.map((name) => escape(name.split(' > ').join(' '))).join('|');
  const lookahead = excluded ? `(?!(?:.* )?(?:${excluded})$)` : '';
  return `^${lookahead}(?:.* )?${prefix}(?:${ids})$`;
}
