import { readFile } from 'node:fs/promises';
import { ArgumentError } from '../errors.js';
import { checkInputFile, fsArgumentError } from '../util/fs.js';
import { checkQuery, matchesQuery, querySource } from './query.js';

/**
 * A per-implementation expectations file: the specs an implementation is known to fail or must skip, each
 * with its reason (as the CTS's expectations and the ONNX backend's exclude lists). JSON:
 *
 *   {
 *     "implementation": "my-runtime",
 *     "expectations": [
 *       { "query": "inference:forward:recipe=004-cnn", "status": "fail", "reason": "issue #12: pooling rounds up" },
 *       { "query": "notebook:outcome:*;data=full;*", "status": "skip", "reason": "training takes days on this device" }
 *     ]
 *   }
 *
 * "fail": the spec runs; failing is reported as expected-fail, passing as unexpected-pass (update the file).
 * "skip": the spec is not run, and is reported as skipped with the reason. The first matching entry wins.
 */
export type ExpectedStatus = 'fail' | 'skip';

export interface Expectation {
  query: string;
  status: ExpectedStatus;
  reason: string;
}

export interface Expectations {
  file: string;
  implementation?: string;
  expectations: Expectation[];
}

export function parseExpectations(text: string, file: string): Expectations {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ArgumentError('--expectations', `${file}: not JSON: ${(e as Error).message}`);
  }
  const o = raw as { implementation?: unknown; expectations?: unknown };
  if (!o || typeof o !== 'object' || !Array.isArray(o.expectations)) {
    throw new ArgumentError('--expectations', `${file}: expected an object with an "expectations" array`);
  }
  const expectations = o.expectations.map((e: unknown, i: number): Expectation => {
    const x = e as Partial<Expectation> | null;
    const where = `${file}: expectations[${i}]`;
    if (!x || typeof x.query !== 'string') throw new ArgumentError('--expectations', `${where}: "query" must be a spec id pattern`);
    try {
      checkQuery(x.query);
    } catch (err) {
      throw new ArgumentError('--expectations', `${where}: ${(err as ArgumentError).detail}`);
    }
    if (x.status !== 'fail' && x.status !== 'skip')
      throw new ArgumentError('--expectations', `${where}: "status" must be "fail" or "skip", got ${JSON.stringify(x.status)}`);
    if (typeof x.reason !== 'string' || !x.reason.trim()) throw new ArgumentError('--expectations', `${where}: every expectation needs a "reason"`);
    return { query: x.query, status: x.status, reason: x.reason.trim() };
  });
  return { file, ...(typeof o.implementation === 'string' ? { implementation: o.implementation } : {}), expectations };
}

/** An expectations file lists patterns and reasons: a few KB. Over this it is not one, and is not read. */
const MAX_EXPECTATIONS_BYTES = 16 * 2 ** 20;

export async function loadExpectations(file: string): Promise<Expectations> {
  await checkInputFile(file, '--expectations', { maxBytes: MAX_EXPECTATIONS_BYTES, what: 'an expectations file' });
  const text = await readFile(file, 'utf8').catch((e: unknown) => {
    throw fsArgumentError('--expectations', file, e);
  });
  return parseExpectations(text, file);
}

export function expectationFor(id: string, ex: Expectations | undefined): Expectation | undefined {
  return ex?.expectations.find((e) => matchesQuery(id, [e.query]));
}

/** The MNIST_SPEC_SKIP value for the harness: full-name patterns of the "skip" entries. */
export function skipPatterns(ex: Expectations | undefined, implementation: string | undefined): { pattern: string; reason: string }[] {
  const prefix = implementation === undefined ? '' : `${implementation.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} > `;
  return (ex?.expectations ?? []).filter((e) => e.status === 'skip').map((e) => ({ pattern: `^${prefix}(?:${querySource(e.query)})$`, reason: e.reason }));
}
