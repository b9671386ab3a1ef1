import { ArgumentError } from '../errors.js';

/**
 * Queries select specs by id, as the WebGPU CTS's do: `model:summary:recipe=001` is that spec,
 * `model:summary:*` every spec under `model:summary:`, `*` everything; `*` matches any run of characters
 * (colons included) and may appear anywhere. A query never contains spaces (nor does a spec id).
 *
 * Matching is linear in the pattern and the id, with no regular-expression backtracking: `*`-only globs
 * match when the first piece is a prefix, the last a suffix, and each piece between is found left to right
 * (the leftmost place is always the best one), each search by Knuth–Morris–Pratt. The RegExp sources this
 * module hands to vitest (which only takes a RegExp) keep that property: each middle piece sits in a
 * lookahead, which JavaScript never backtracks into, so `model:**********Z` costs one scan, not n^10.
 */
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** Longer than any id pattern anyone types; bounds the RegExp sources built from queries. */
export const MAX_QUERY_LENGTH = 1000;

export function checkQuery(q: string): string {
  if (!q || /\s/.test(q)) throw new ArgumentError('--query', `"${q}" is not a spec id pattern (no spaces; * matches anything)`);
  if (q.length > MAX_QUERY_LENGTH) throw new ArgumentError('--query', `a pattern of ${q.length} characters; at most ${MAX_QUERY_LENGTH}`);
  // Control characters cannot be in an id, and would garble the one-line messages that quote the query.
  if (/\p{Cc}/u.test(q)) throw new ArgumentError('--query', `${JSON.stringify(q)} holds control characters`);
  return q;
}

/** The pieces between the `*`s (runs of `*` are one `*`). */
function pieces(q: string): string[] {
  return q.split(/\*+/);
}

/** KMP search of `pat` in text[from, to); returns the index or -1. `steps` counts character comparisons. */
function kmpIndexOf(text: string, pat: string, from: number, to: number, steps: { n: number }): number {
  if (pat.length === 0) return from;
  const fail = new Int32Array(pat.length);
  for (let i = 1, k = 0; i < pat.length; i++) {
    while (k > 0 && pat[i] !== pat[k]) {
      k = fail[k - 1]!;
      steps.n++;
    }
    steps.n++;
    if (pat[i] === pat[k]) k++;
    fail[i] = k;
  }
  for (let i = from, k = 0; i < to; i++) {
    while (k > 0 && text[i] !== pat[k]) {
      k = fail[k - 1]!;
      steps.n++;
    }
    steps.n++;
    if (text[i] === pat[k]) k++;
    if (k === pat.length) return i - pat.length + 1;
  }
  return -1;
}

/** Does `id` match the glob `q`? Also returns the number of character comparisons it took (≤ 2·(|id| + |q|)). */
export function matchQueryCounted(id: string, q: string): { match: boolean; steps: number } {
  const steps = { n: 0 };
  const parts = pieces(q);
  if (parts.length === 1) {
    steps.n += Math.min(id.length, q.length);
    return { match: id === q, steps: steps.n };
  }
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (id.length < first.length + last.length) return { match: false, steps: 0 };
  steps.n += first.length + last.length;
  if (!id.startsWith(first) || !id.endsWith(last)) return { match: false, steps: steps.n };
  let pos = first.length;
  const end = id.length - last.length;
  for (const piece of parts.slice(1, -1)) {
    const at = kmpIndexOf(id, piece, pos, end, steps);
    if (at < 0) return { match: false, steps: steps.n };
    pos = at + piece.length;
  }
  return { match: true, steps: steps.n };
}

export function matchQuery(id: string, q: string): boolean {
  return matchQueryCounted(id, q).match;
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
  return queries.some((q) => matchQuery(id, q));
}

/** Names for the capture groups of one RegExp (each lookahead needs its own). */
export interface GroupCounter {
  n: number;
}

/**
 * The RegExp source matching exactly the ids a query selects (unanchored at the end: callers add `$`).
 * `*` never matches a space (ids have none), so a caller can put the id after a space-separated prefix.
 */
export function querySource(q: string, groups: GroupCounter = { n: 0 }): string {
  const parts = pieces(checkQuery(q));
  if (parts.length === 1) return escape(q);
  const middle = parts
    .slice(1, -1)
    .filter(Boolean)
    .map((p) => {
      const g = `q${groups.n++}`;
      // Atomic: the lookahead finds the leftmost occurrence and is never re-entered on a later failure.
      return `(?=(?<${g}>[^ ]*?${escape(p)}))\\k<${g}>`;
    });
  return `${escape(parts[0]!)}${middle.join('')}[^ ]*${escape(parts[parts.length - 1]!)}`;
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
  const groups: GroupCounter = { n: 0 };
  const ids = queries.map((q) => querySource(q, groups)).join('|');
  const excluded = exclude.map((name) => escape(name.split(' > ').join(' '))).join('|');
  const lookahead = excluded ? `(?!(?:.* )?(?:${excluded})$)` : '';
  return `^${lookahead}(?:.* )?${prefix}(?:${ids})$`;
}
