import type { Provenance } from '../data/types.js';
import type { Capabilities, Precision } from '../impl/interface.js';
import type { History } from '../train/config.js';
import type { MachineInfo } from '../util/machine.js';
import { expectationFor, type Expectation, type Expectations } from './expectations.js';
import type { Placement, SpecRecordLike, Stochastic } from '../harness/record.js';
import type { ResultLine } from './protocol.js';

/**
 * report.json: everything a conformance run established, the one source report.md, report.html and
 * junit.xml are rendered from and `conform merge` combines. Versioned by `schemaVersion`.
 */
export const REPORT_KIND = 'mnist-spec/conformance-report';
export const REPORT_SCHEMA_VERSION = 1;

/**
 * pass; warn (passed, with a warning worth a look: judged, never failing the run — CTS's `warn`); fail; skip (with its
 * reason); expected-fail and unexpected-pass (against the expectations file). Worst first: a merge keeps the worst.
 */
export type Status = 'pass' | 'warn' | 'fail' | 'skip' | 'expected-fail' | 'unexpected-pass';
export const STATUSES: readonly Status[] = ['fail', 'unexpected-pass', 'expected-fail', 'warn', 'pass', 'skip'];

export interface SpecResult {
  id: string;
  /** `<impl> > <id>` for a conformance spec, the id of a suite spec. */
  name: string;
  file: string;
  /** Where the behaviour is defined: a seed notebook and the text it printed, Keras, or a contract. */
  claim: { source: string; quote: string } | null;
  tier: string;
  tags: string[];
  /** For a bound on a random outcome: how it was chosen, and the estimated probability that a correct implementation fails it. */
  stochastic?: Stochastic;
  status: Status;
  /** Why it skipped, the first line of why it failed, the first warning, or the expectation's reason. */
  reason?: string;
  /** Every warning of a spec that passed with warnings (status `warn`), or that the spec raised before failing. */
  warnings?: string[];
  /** Where each bounded value falls in the reference's calibrated distribution (stochastic bounds). */
  placements?: Placement[];
  measured?: unknown;
  bound?: string;
  durationMs: number;
  logs: string[];
  errors: string[];
  artifacts?: Record<string, unknown>;
  expectation?: Expectation;
  /** A spec that trained: samples per second of its fits (from the Histories it recorded; validation time included). */
  training?: TrainingRate;
}

export interface TrainingRate {
  /** Samples trained (train samples × epochs) over the fits recorded (the first five of a spec), and the seconds their epochs took. */
  samples: number;
  seconds: number;
  samplesPerSecond: number;
  fits: number;
}

/** The browser a page implementation ran in (src/browser: what the page itself reported). */
export interface BrowserSection {
  name: string;
  version: string;
  executable?: string;
  userAgent: string;
  /** WebGL's unmasked renderer string, or why there is none. */
  webglRenderer: string;
  /** The WebGPU adapter (vendor, architecture, fallback), or why there is none. */
  webgpuAdapter: string;
  crossOriginIsolated?: boolean;
  /** Everything the page reported, as it reported it. */
  raw: Record<string, unknown>;
}

/** The tolerance profile the inference specs applied (src/golden/tolerances.ts), as the report shows it. */
export interface ProfileSection {
  precision: Precision;
  summary: string;
  tolerances: { name: string; value: string; reason: string }[];
}

export interface ImplementationSection {
  /** The name its specs ran under. */
  name: string;
  /** `--impl` as given: a shipped name or the module path. */
  module: string;
  declaredName?: string;
  version?: string;
  capabilities?: Capabilities;
  backend?: string;
  details?: Record<string, string | number | boolean>;
  infoError?: string;
  /** What it computes in, as it declared it (absent from info() = float32, `declared: false`). */
  precision?: { value: Precision; declared: boolean };
  /** The tolerance profile of that precision, which the specs applied. */
  profile?: ProfileSection;
  /** Set when it ran in a browser page (`--browser`). */
  browser?: BrowserSection;
}

export interface ConformanceReport {
  kind: typeof REPORT_KIND;
  schemaVersion: number;
  suite: { name: 'mnist-spec'; version: string; commit: string | null; dirty: boolean | null };
  implementation: ImplementationSection;
  machine: MachineInfo;
  /** The data the specs read: the embedded split always; the full set when MNIST_DIR/--data named one. */
  data: { embedded: Provenance | null; full: Provenance | null; note?: string };
  run: {
    command: string;
    tier: string;
    queries: string[];
    /** `i/n` of this run, or every shard a merged report combines. */
    shards: string[];
    expectationsFile: string | null;
    startedAt: string;
    finishedAt: string;
    wallSeconds: number;
    specFiles: string[];
    /** Runner restarts after the watchdog killed a hung spec. */
    watchdogKills: number;
    /** Errors outside any spec (a spec file that failed to load, a crashed worker). */
    errors: string[];
  };
  summary: Summary;
  specs: SpecResult[];
}

export interface Summary {
  total: number;
  pass: number;
  /** Passed with a warning: judged, counted towards `ok` as a pass. Absent in reports from before warnings existed. */
  warn?: number;
  fail: number;
  skip: number;
  expectedFail: number;
  unexpectedPass: number;
  /**
   * The implementation conforms, the exit status of `conform` is 0: at least one spec passed (with or without a warning), none failed
   * (nor, under --strict, passed unexpectedly), and the run had no error outside the specs.
   */
  ok: boolean;
  /** Specs that ran to a verdict (everything but skips). */
  judged?: number;
  /** Specs whose claim is a seed notebook's printed text, and how many of them were judged (not skipped). */
  notebookClaims?: { judged: number; total: number };
  /** conforms; conforms-partial (some notebook claims skipped); does-not-conform; nothing-judged (no pass, no fail). */
  verdict?: Verdict;
  /** Errors outside any spec, counted against `ok`. */
  runErrors?: number;
}

export type Verdict = 'conforms' | 'conforms-partial' | 'does-not-conform' | 'nothing-judged';

/** A claim a seed notebook printed (`seeds/001_….txt`), rather than a contract or Keras's documentation. */
export const isNotebookClaim = (s: Pick<SpecResult, 'claim'>): boolean => !!s.claim && /^seeds\/\d{3}_/.test(s.claim.source);

const firstLine = (s: string | undefined): string | undefined =>
  s
    ?.split('\n')
    .find((l) => l.trim())
    ?.trim();

/** One reporter line, judged against the expectations. */
export function toSpecResult(line: ResultLine, expectations?: Expectations): SpecResult {
  const meta: SpecRecordLike = line.spec ?? {};
  const id = meta.id ?? line.name.split(' > ').pop()!;
  const expectation = expectationFor(id, expectations);
  let status: Status;
  let reason: string | undefined;
  switch (line.state) {
    case 'passed':
      status = expectation?.status === 'fail' ? 'unexpected-pass' : meta.warnings?.length ? 'warn' : 'pass';
      if (status === 'unexpected-pass') reason = `expected to fail (${expectation!.reason}) but passed: update the expectations file`;
      if (status === 'warn') reason = meta.warnings![0];
      break;
    case 'failed':
      status = expectation?.status === 'fail' ? 'expected-fail' : 'fail';
      reason = status === 'expected-fail' ? `expected: ${expectation!.reason}` : (firstLine(line.errors[0]) ?? 'failed');
      break;
    default:
      status = 'skip';
      reason = meta.skipReason ?? (line.state === 'pending' ? 'not run' : 'skipped');
  }
  return {
    id,
    name: line.name,
    file: line.file,
    claim: meta.claim ?? null,
    tier: meta.tier ?? 'fast',
    tags: meta.tags ?? [],
    ...(meta.stochastic ? { stochastic: meta.stochastic } : {}),
    status,
    ...(reason !== undefined ? { reason } : {}),
    ...(meta.warnings?.length ? { warnings: meta.warnings } : {}),
    ...(meta.placements?.length ? { placements: meta.placements } : {}),
    ...(meta.measured !== undefined ? { measured: meta.measured } : {}),
    ...(meta.bound !== undefined ? { bound: meta.bound } : {}),
    durationMs: Math.round(line.durationMs * 10) / 10,
    logs: line.logs,
    errors: line.errors,
    ...(meta.artifacts ? { artifacts: meta.artifacts } : {}),
    ...(expectation ? { expectation } : {}),
    ...(trainingRate(meta.artifacts) ?? {}),
  };
}

/** Samples per second of the fits a spec recorded (artifact `histories`), or nothing when it trained none. */
export function trainingRate(artifacts: Record<string, unknown> | undefined): { training: TrainingRate } | undefined {
  const hs = artifacts?.histories as { history?: History }[] | undefined;
  if (!Array.isArray(hs)) return undefined;
  let samples = 0;
  let seconds = 0;
  let fits = 0;
  for (const h of hs) {
    const epochs = h.history?.epochs;
    if (!Array.isArray(epochs) || !(h.history!.trainSamples > 0)) continue;
    fits++;
    samples += h.history!.trainSamples * epochs.length;
    seconds += epochs.reduce((a, e) => a + (Number.isFinite(e.seconds) ? e.seconds : 0), 0);
  }
  if (!(samples > 0 && seconds > 0)) return undefined;
  return { training: { samples, seconds: Math.round(seconds * 1000) / 1000, samplesPerSecond: Math.round((samples / seconds) * 10) / 10, fits } };
}

/**
 * The counts and the verdict of a run. A verdict needs a judgement: no pass (every spec skipped, or none
 * selected) is never `ok`, and neither is an error outside the specs (a crashed worker, a spec file that
 * failed to load). When notebook claims were skipped the verdict is `conforms-partial`, shown as
 * `CONFORMS (partial: N of M notebook claims judged)`.
 */
export function summarize(specs: readonly SpecResult[], strict = false, runErrors = 0): Summary {
  const count = (s: Status): number => specs.filter((x) => x.status === s).length;
  const s = {
    total: specs.length,
    pass: count('pass'),
    warn: count('warn'),
    fail: count('fail'),
    skip: count('skip'),
    expectedFail: count('expected-fail'),
    unexpectedPass: count('unexpected-pass'),
  };
  const failed = s.fail > 0 || (strict && s.unexpectedPass > 0) || runErrors > 0;
  const ok = !failed && s.pass + s.warn > 0;
  const notebook = specs.filter(isNotebookClaim);
  const notebookClaims = { judged: notebook.filter((x) => x.status !== 'skip').length, total: notebook.length };
  const verdict: Verdict = failed
    ? 'does-not-conform'
    : !ok
      ? 'nothing-judged'
      : notebookClaims.judged < notebookClaims.total
        ? 'conforms-partial'
        : 'conforms';
  return { ...s, ok, judged: s.total - s.skip, notebookClaims, verdict, runErrors };
}

/** Order specs for reading: by id, the implementation-independent ones first. */
export function sortSpecs(specs: SpecResult[]): SpecResult[] {
  return specs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.name < b.name ? -1 : 1));
}

const rank = (s: Status): number => STATUSES.indexOf(s);

/**
 * Combine the reports of one implementation's shards (or re-runs) into one: a spec reported twice keeps its
 * worst status; run times span all of them.
 */
export function mergeReports(reports: readonly ConformanceReport[], strict = false): ConformanceReport {
  if (reports.length === 0) throw new RangeError('mergeReports: no reports');
  const names = new Set(reports.map((r) => r.implementation.name));
  if (names.size > 1) throw new RangeError(`mergeReports: reports of different implementations (${[...names].join(', ')})`);
  const byName = new Map<string, SpecResult>();
  for (const r of reports)
    for (const s of r.specs) {
      const prev = byName.get(s.name);
      if (!prev || rank(s.status) < rank(prev.status)) byName.set(s.name, s);
    }
  const specs = sortSpecs([...byName.values()]);
  const first = reports.find((r) => r.implementation.backend) ?? reports[0]!;
  const started = reports.map((r) => r.run.startedAt).sort()[0]!;
  const finished = reports
    .map((r) => r.run.finishedAt)
    .sort()
    .pop()!;
  return {
    ...first,
    data: reports.find((r) => r.data.full)?.data ?? first.data,
    run: {
      ...first.run,
      shards: [...new Set(reports.flatMap((r) => r.run.shards))].sort(),
      queries: [...new Set(reports.flatMap((r) => r.run.queries))],
      startedAt: started,
      finishedAt: finished,
      wallSeconds: Math.round(reports.reduce((a, r) => a + r.run.wallSeconds, 0) * 10) / 10,
      specFiles: [...new Set(reports.flatMap((r) => r.run.specFiles))].sort(),
      watchdogKills: reports.reduce((a, r) => a + r.run.watchdogKills, 0),
      errors: reports.flatMap((r) => r.run.errors),
    },
    summary: summarize(
      specs,
      strict,
      reports.reduce((a, r) => a + r.run.errors.length, 0),
    ),
    specs,
  };
}

/** Is this parsed JSON a conformance report this version can read? */
export function isReport(v: unknown): v is ConformanceReport {
  const r = v as ConformanceReport | undefined;
  return !!r && r.kind === REPORT_KIND && typeof r.schemaVersion === 'number' && Array.isArray(r.specs);
}

/** vitest's own JSON reporter output (`--reporter=json`), which carries task.meta, as reporter lines. */
export function linesFromVitestJson(json: unknown): ResultLine[] {
  const j = json as { testResults?: { name: string; assertionResults: VitestAssertion[] }[] };
  if (!j || !Array.isArray(j.testResults)) return [];
  return j.testResults.flatMap((f) =>
    f.assertionResults.map(
      (a): ResultLine => ({
        t: 'result',
        name: [...a.ancestorTitles, a.title].join(' > '),
        file: f.name,
        state: a.status === 'passed' ? 'passed' : a.status === 'failed' ? 'failed' : a.status === 'skipped' ? 'skipped' : 'pending',
        durationMs: a.duration ?? 0,
        errors: a.failureMessages ?? [],
        logs: [],
        spec: a.meta?.spec,
      }),
    ),
  );
}

interface VitestAssertion {
  ancestorTitles: string[];
  title: string;
  status: string;
  duration?: number | null;
  failureMessages?: string[];
  meta?: { spec?: SpecRecordLike };
}
