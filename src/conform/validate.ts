import { ArgumentError } from '../errors.js';
import type { ResultLine } from './protocol.js';
import { REPORT_KIND, REPORT_SCHEMA_VERSION, STATUSES, type ConformanceReport } from './report.js';

/**
 * The files `conform merge` reads come from other machines (CI shards) and are not trusted: each is checked
 * field by field before anything is merged or rendered, so a malformed one is a usage error naming the file
 * and the field (`a/report.json: specs[3].status: expected one of fail, …`), never a crash in a renderer.
 * Nothing read from them ever becomes a path (see `conform merge --report-dir`).
 */
type Check = (v: unknown, at: string) => void;

class Invalid extends Error {}
const fail = (at: string, what: string): never => {
  throw new Invalid(`${at}: expected ${what}`);
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const str: Check = (v, at) => void (typeof v === 'string' || fail(at, 'a string'));
const num: Check = (v, at) => void ((typeof v === 'number' && Number.isFinite(v)) || fail(at, 'a finite number'));
const strOrNull: Check = (v, at) => void (v === null || typeof v === 'string' || fail(at, 'a string or null'));
const bool: Check = (v, at) => void (typeof v === 'boolean' || fail(at, 'true or false'));
const obj: Check = (v, at) => void (isObject(v) || fail(at, 'an object'));
const optional =
  (c: Check): Check =>
  (v, at) =>
    void (v === undefined || c(v, at));
const arrayOf =
  (c: Check, max = 1_000_000): Check =>
  (v, at) => {
    if (!Array.isArray(v)) return fail(at, 'an array');
    if (v.length > max) fail(at, `at most ${max} entries`);
    v.forEach((x, i) => c(x, `${at}[${i}]`));
  };
const oneOf =
  (values: readonly string[]): Check =>
  (v, at) =>
    void (values.includes(v as string) || fail(at, `one of ${values.join(', ')}`));
const shape =
  (fields: Record<string, Check>): Check =>
  (v, at) => {
    if (!isObject(v)) return fail(at, 'an object');
    for (const [k, c] of Object.entries(fields)) c(v[k], `${at}.${k}`);
  };

const claim: Check = (v, at) => void (v === null || shape({ source: str, quote: str })(v, at));

/** A report from before the metadata was structured carries `stochastic` as its `why` text. */
const stochastic: Check = (v, at) =>
  void (
    typeof v === 'string' ||
    shape({
      why: str,
      method: optional(str),
      falseFailure: optional(num),
      calibrations: optional(arrayOf(shape({ implementation: str, data: str, seeds: num }))),
    })(v, at)
  );

const placement = shape({
  quantity: str,
  value: num,
  side: oneOf(['low', 'high']),
  reference: shape({ implementation: str, data: str, seeds: num }),
  percentile: num,
  tail: num,
  beyondTail: bool,
});

const specResult = shape({
  id: str,
  name: str,
  file: str,
  claim,
  tier: str,
  tags: arrayOf(str),
  status: oneOf(STATUSES),
  reason: optional(str),
  stochastic: optional(stochastic),
  warnings: optional(arrayOf(str)),
  placements: optional(arrayOf(placement)),
  bound: optional(str),
  durationMs: num,
  logs: arrayOf(str),
  errors: arrayOf(str),
  artifacts: optional(obj),
  expectation: optional(shape({ query: str, status: oneOf(['fail', 'skip']), reason: str })),
  training: optional(shape({ samples: num, seconds: num, samplesPerSecond: num, fits: num })),
});

const report = shape({
  kind: oneOf([REPORT_KIND]),
  schemaVersion: (v, at) => void (v === REPORT_SCHEMA_VERSION || fail(at, `schema version ${REPORT_SCHEMA_VERSION}`)),
  suite: shape({ name: str, version: str }),
  implementation: shape({
    name: str,
    module: str,
    declaredName: optional(str),
    version: optional(str),
    backend: optional(str),
    precision: optional(shape({ value: oneOf(['float32', 'float16']), declared: bool })),
    profile: optional(shape({ precision: str, summary: str, tolerances: arrayOf(shape({ name: str, value: str, reason: str }), 100) })),
    browser: optional(shape({ name: str, version: str, userAgent: str, webglRenderer: str, webgpuAdapter: str })),
  }),
  machine: obj,
  data: obj,
  run: shape({
    command: str,
    tier: str,
    queries: arrayOf(str),
    shards: arrayOf(str),
    expectationsFile: strOrNull,
    startedAt: str,
    finishedAt: str,
    wallSeconds: num,
    specFiles: arrayOf(str),
    watchdogKills: num,
    errors: arrayOf(str),
  }),
  summary: shape({ ok: bool }),
  specs: arrayOf(specResult),
});

const resultLine = shape({
  t: oneOf(['result']),
  name: str,
  file: str,
  state: oneOf(['passed', 'failed', 'skipped', 'pending']),
  durationMs: num,
  errors: arrayOf(str),
  logs: arrayOf(str),
  spec: optional(obj),
});

function run<T>(check: Check, v: unknown, file: string, at: string): T {
  try {
    check(v, at);
  } catch (e) {
    if (e instanceof Invalid) throw new ArgumentError('merge', `${file}: ${e.message}`);
    throw e;
  }
  return v as T;
}

/** A parsed report.json, checked; throws ArgumentError('merge', '<file>: <field>: expected …'). */
export function validateReport(v: unknown, file: string): ConformanceReport {
  const r = run<ConformanceReport>(report, v, file, 'report');
  // An older report's `stochastic` text becomes the structured metadata's `why`.
  for (const s of r.specs) if (typeof (s.stochastic as unknown) === 'string') s.stochastic = { why: s.stochastic as unknown as string };
  return r;
}

/** A reporter result line (of a .jsonl file, or made from vitest JSON), checked. */
export function validateResultLine(v: unknown, file: string, at: string): ResultLine {
  return run<ResultLine>(resultLine, v, file, at);
}

/** vitest's --reporter=json output: the parts linesFromVitestJson reads. */
export const vitestJsonShape: Check = shape({
  testResults: arrayOf(
    shape({
      name: str,
      assertionResults: arrayOf(
        shape({
          ancestorTitles: arrayOf(str),
          title: str,
          status: str,
          duration: (v, at) => void (v === undefined || v === null || num(v, at)),
          failureMessages: optional(arrayOf(str)),
        }),
      ),
    }),
  ),
});

export function validateVitestJson(v: unknown, file: string): void {
  run<unknown>(vitestJsonShape, v, file, 'vitest json');
}
