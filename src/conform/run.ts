import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadData } from '../data/load.js';
import type { Provenance } from '../data/types.js';
import { ArgumentError } from '../errors.js';
import {
  bundleBrowserPage,
  checkBrowser,
  execSpecForRunner,
  implementationName,
  isExecSpec,
  isShipped,
  loadImplementation,
  runsIn,
  SHIPPED_IMPLEMENTATIONS,
  theOneWithRole,
} from '../impl/registry.js';
import { profileOf, profileRows } from '../harness/precision.js';
import { makeTempDir, onInterrupt, removeTempDir } from '../util/cleanup.js';
import { gitState } from '../util/git.js';
import { machineInfo } from '../util/machine.js';
import { VERSION } from '../version.js';
import type { ChildConfig } from './child.js';
import { skipPatterns, type Expectations } from './expectations.js';
import { ENV } from '../harness/env.js';
import type { SpecEvent } from '../harness/events.js';
import type { SpecRecordLike } from '../harness/record.js';
import { locateSpecFile } from '../harness/ids.js';
import type { ReporterLine, ResultLine } from './protocol.js';
import { matchesQuery, queryReachesPrefix, testNamePattern } from './query.js';
import {
  REPORT_KIND,
  REPORT_SCHEMA_VERSION,
  sortSpecs,
  summarize,
  toSpecResult,
  type BrowserSection,
  type ConformanceReport,
  type ImplementationSection,
} from './report.js';

/** The package root: where spec/, vitest.config.ts and dist/ are (this file is src/conform or dist/conform). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/[\\/]$/, '');

export interface ConformOptions {
  /** A shipped implementation's name or a path to a module exporting one. */
  impl: string;
  /** Run it in this browser's page (`chromium`): a shipped browser implementation or a module bundled for the page. */
  browser?: string;
  /** Spec id patterns (query.ts); default everything. */
  queries?: string[];
  tier?: 'fast' | 'full';
  /** 'embedded' (no full-data specs), a directory of the four IDX files, or undefined (MNIST_DIR as set). */
  data?: string;
  expectations?: Expectations;
  /** vitest shard `i/n`: this run's part of the spec files. */
  shard?: string;
  /** Override every spec's own timeout (ms). */
  specTimeoutMs?: number;
  /** How long past its timeout a spec may stay silent before the watchdog kills the runner (ms). */
  graceMs?: number;
  /** Unexpected passes fail the run too. */
  strict?: boolean;
  /** Progress of the run, for a live display. */
  onProgress?: (p: Progress) => void;
  /** The command line, for the report. */
  command?: string;
  root?: string;
  env?: NodeJS.ProcessEnv;
}

/** What a live display is told. */
export type Progress =
  | { kind: 'planned'; total: number }
  | { kind: 'start'; name: string }
  // loss and acc come from JSON: a NaN (a float16 training that diverged) arrives as null.
  | {
      kind: 'train';
      name: string;
      epoch: number;
      epochs: number;
      seen: number;
      total: number;
      loss: number | null;
      acc: number | null;
      epochEnd?: boolean;
      valAcc?: number | null;
    }
  | { kind: 'result'; result: ReturnType<typeof toSpecResult> }
  | { kind: 'watchdog'; name: string; seconds: number };

/**
 * The spec files that judge an implementation: every `*.spec.ts` under spec/conformance/ (found by location, never
 * by reading its text), narrowed to those whose id prefix a query can reach (`inference:forward:*` needs only
 * spec/conformance/inference/forward.spec.ts).
 */
export function conformanceSpecFiles(root = PACKAGE_ROOT, queries: readonly string[] = ['*']): string[] {
  const dir = join(root, 'spec', 'conformance');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.spec\.[cm]?[jt]s$/.test(f))
    .map((f) => join(dir, f))
    .filter((f) => queries.some((q) => queryReachesPrefix(q, locateSpecFile(f).prefix)))
    .sort();
}

/** One conformance spec as collected, without running it (`conform --list`). */
export interface ListedSpec {
  id: string;
  /** The spec file, relative to the package root. */
  file: string;
  record: SpecRecordLike;
}

/**
 * The conformance specs the queries select, with their metadata (claim, tier, needs, the behaviours they judge), as
 * vitest collects them in a child process: nothing runs and no implementation is loaded. Sorted by id.
 */
export async function listConformance(opts: { queries?: string[]; root?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ListedSpec[]> {
  const root = opts.root ?? PACKAGE_ROOT;
  const child = join(root, 'dist', 'conform', 'child.js');
  if (!existsSync(child)) throw new ArgumentError('conform', `${child} is missing: run \`npm run build\``);
  const queries = opts.queries?.length ? opts.queries : ['*'];
  const files = conformanceSpecFiles(root, queries);
  if (!files.length) return [];
  const scratch = makeTempDir('mnist-spec-list-');
  try {
    const results = join(scratch, 'listed.jsonl');
    // Specs register under an implementation's name; collecting never loads it, so the reference's name serves.
    const env = { ...(opts.env ?? process.env), [ENV.impl]: theOneWithRole('reference') };
    const cfg: ChildConfig = { root, config: join(root, 'vitest.config.ts'), files, testNamePattern: '.*', results, list: true };
    const code = await new Promise<number | null>((done) => {
      const proc = spawn(process.execPath, [child, JSON.stringify(cfg)], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
      proc.on('close', done);
    });
    if (code !== 0 || !existsSync(results)) throw new Error(`conform --list: the spec collector exited with code ${code}`);
    const seen = new Map<string, ListedSpec>();
    for (const line of readFileSync(results, 'utf8').split('\n').filter(Boolean)) {
      const l = JSON.parse(line) as { file: string; spec?: SpecRecordLike };
      const id = l.spec?.id;
      if (id && !seen.has(id) && matchesQuery(id, queries)) seen.set(id, { id, file: l.file, record: l.spec! });
    }
    return [...seen.values()].sort((a, b) => a.id.localeCompare(b.id));
  } finally {
    removeTempDir(scratch);
  }
}

/** A file's lines appended since the last read. */
class Tail {
  private offset = 0;
  private rest = '';
  constructor(private readonly file: string) {}
  read<T>(): T[] {
    if (!existsSync(this.file)) return [];
    const fd = openSync(this.file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const text = this.rest + buf.toString('utf8');
      const lines = text.split('\n');
      this.rest = lines.pop()!;
      return lines.filter(Boolean).map((l) => JSON.parse(l) as T);
    } finally {
      closeSync(fd);
    }
  }
}

async function provenanceOf(data: string | undefined): Promise<Provenance | null> {
  if (!data) return null;
  return (await loadData({ data })).provenance;
}

interface Attempt {
  results: ResultLine[];
  collected: Map<string, string>;
  moduleErrors: string[];
  runEnded: boolean;
  runErrors: string[];
  hung: { name: string; seconds: number } | undefined;
  exitCode: number | null;
  stderr: string;
}

/**
 * Run the conformance specs against one implementation and build its report. The specs run in a child
 * process (dist/conform/child.js: vitest with the conform reporter). A spec that blocks past its timeout
 * plus `graceMs` without a result has the runner killed: it is failed as a timeout, and a new runner
 * carries on with the specs not yet done. Nothing here writes a report file (see write.ts).
 */
export async function runConformance(opts: ConformOptions): Promise<ConformanceReport> {
  const { impl, ...rest } = opts;
  return (await runConformanceOfMany({ ...rest, impls: [impl] }))[0]!;
}

/**
 * The same for several implementations in one vitest run (one report each): how the fault proof judges
 * every planted fault at the cost of one run. The expectations, if any, apply to all of them.
 */
export async function runConformanceOfMany(opts: Omit<ConformOptions, 'impl'> & { impls: string[] }): Promise<ConformanceReport[]> {
  const root = opts.root ?? PACKAGE_ROOT;
  const child = join(root, 'dist', 'conform', 'child.js');
  if (!existsSync(child)) throw new ArgumentError('conform', `${child} is missing: run \`npm run build\``);
  const browser = opts.browser !== undefined ? checkBrowser(opts.browser) : undefined;
  if (browser && opts.impls.length !== 1) throw new ArgumentError('--browser', `one implementation at a time in a browser, got ${opts.impls.length}`);
  const targets = opts.impls.map((given) => {
    const shipped = isShipped(given);
    if (!browser && runsIn(given) === 'browser') throw new ArgumentError('--browser', `${given} runs in a browser page: add --browser chromium`);
    if (browser && ((shipped && runsIn(given) !== 'browser') || isExecSpec(given))) {
      throw new ArgumentError(
        '--browser',
        `${given} does not run in a browser page: --browser takes a browser implementation (${SHIPPED_IMPLEMENTATIONS.filter((n) => runsIn(n) === 'browser').join(', ')}) or a module path`,
      );
    }
    // An exec: command runs in the spec runner's workers: its program is checked here and its directory pinned to ours.
    const modulePath = shipped ? given : isExecSpec(given) ? execSpecForRunner(given) : resolve(given);
    if (!shipped && !isExecSpec(given) && !existsSync(modulePath)) {
      throw new ArgumentError(
        '--impl',
        `"${given}" is neither a shipped implementation (${SHIPPED_IMPLEMENTATIONS.join(', ')}), an exec: command nor an existing module path`,
      );
    }
    return { given, modulePath, name: implementationName(modulePath) };
  });
  const names = targets.map((t) => t.name);
  if (new Set(names).size !== names.length) throw new ArgumentError('--impl', `two implementations would run under the same name: ${names.join(', ')}`);
  const queries = opts.queries?.length ? opts.queries : ['*'];
  const tier = opts.tier ?? 'fast';
  const graceMs = opts.graceMs ?? 15_000;
  const files = conformanceSpecFiles(root, queries);
  const started = Date.now();
  // Removed on SIGINT/SIGTERM too (src/util/cleanup.ts).
  const scratch = makeTempDir('mnist-spec-conform-');

  // The runner's own temp directory lives in the scratch folder: what vitest or a spec leaves there when the
  // watchdog or a signal kills it goes with the folder.
  const childTmp = join(scratch, 'tmp');
  mkdirSync(childTmp);
  // A JSON array when an exec: command (which may hold commas) is among them.
  const implList = targets.some((t) => isExecSpec(t.modulePath))
    ? JSON.stringify(targets.map((t) => t.modulePath))
    : targets.map((t) => t.modulePath).join(',');
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), TMPDIR: childTmp, TMP: childTmp, TEMP: childTmp, [ENV.impl]: implList, [ENV.tier]: tier };
  if (opts.data === 'embedded') delete env[ENV.mnistDir];
  else if (opts.data) env[ENV.mnistDir] = resolve(opts.data);
  const skips = names.flatMap((n) => skipPatterns(opts.expectations, n));
  if (skips.length) env[ENV.skip] = JSON.stringify(skips);
  else delete env[ENV.skip];

  const done = new Map<string, ResultLine>();
  const synthetic: ResultLine[] = [];
  const implEvents: Extract<SpecEvent, { t: 'impl' }>[] = [];
  const runErrors: string[] = [];
  const plannedNames = new Set<string>();
  let kills = 0;

  try {
    if (browser) {
      // Bundled once here, for every spec file's page (a module importing node:* is refused now, naming the import).
      const bundle = join(scratch, 'page.js');
      await bundleBrowserPage(targets[0]!.modulePath, bundle);
      Object.assign(env, { [ENV.browser]: browser, [ENV.pageBundle]: bundle });
    } else {
      delete env[ENV.browser];
      delete env[ENV.pageBundle];
    }
    // No spec file can hold a matching spec: nothing to run (vitest with no file filter would run everything).
    for (let attempt = 0; files.length > 0; attempt++) {
      const exclude = [...done.keys(), ...synthetic.map((s) => s.name)];
      const events = join(scratch, `events-${attempt}.jsonl`);
      const results = join(scratch, `results-${attempt}.jsonl`);
      const cfg: ChildConfig = {
        root,
        config: join(root, 'vitest.config.ts'),
        files,
        testNamePattern: testNamePattern(names, queries, exclude),
        results,
        ...(opts.shard ? { shard: opts.shard } : {}),
        ...(opts.specTimeoutMs ? { testTimeout: opts.specTimeoutMs } : {}),
      };
      const a = await runAttempt(
        child,
        cfg,
        { ...env, [ENV.events]: events, [ENV.results]: results },
        graceMs,
        (p) => {
          if (p.kind === 'collected') {
            const before = plannedNames.size;
            for (const n of p.names) plannedNames.add(n);
            if (plannedNames.size !== before) opts.onProgress?.({ kind: 'planned', total: plannedNames.size });
          } else opts.onProgress?.(p);
        },
        implEvents,
        opts.expectations,
      );
      for (const r of a.results) done.set(r.name, r);
      runErrors.push(...a.moduleErrors, ...a.runErrors);
      if (a.hung) {
        kills++;
        const line: ResultLine = {
          t: 'result',
          name: a.hung.name,
          file: a.collected.get(a.hung.name) ?? '',
          state: 'failed',
          durationMs: a.hung.seconds * 1000,
          errors: [
            `timeout: no result after ${a.hung.seconds.toFixed(0)} s (its own timeout plus ${graceMs / 1000} s): the implementation blocked the ` +
              'event loop or never returned; the conform watchdog killed the runner and went on with the other specs',
          ],
          logs: [],
        };
        synthetic.push(line);
        opts.onProgress?.({ kind: 'watchdog', name: a.hung.name, seconds: a.hung.seconds });
        opts.onProgress?.({ kind: 'result', result: toSpecResult(line, opts.expectations) });
        if (attempt > 50) throw new Error('conform: the watchdog had to restart the runner more than 50 times');
        continue;
      }
      if (a.exitCode !== 0 && !a.runEnded)
        runErrors.push(`the spec runner exited with code ${a.exitCode}: ${a.stderr.trim().split('\n').slice(-15).join('\n')}`);
      // Specs collected to run that never reported: their worker died.
      for (const [n, file] of a.collected) {
        if (done.has(n) || synthetic.some((s) => s.name === n)) continue;
        const why = a.moduleErrors.length ? a.moduleErrors.join('; ') : 'no result reported (the worker running it exited)';
        synthetic.push({ t: 'result', name: n, file, state: 'failed', durationMs: 0, errors: [`no result: ${why}`], logs: [] });
      }
      break;
    }
  } finally {
    removeTempDir(scratch);
  }

  const all = [...done.values(), ...synthetic];
  const finished = Date.now();
  const mnistDir = env[ENV.mnistDir];
  const full = mnistDir ? await provenanceOf(mnistDir).catch((e: Error) => ({ error: e.message }) as unknown as Provenance) : null;
  const embedded = await provenanceOf('embedded');
  const git = gitState(root);
  const reports: ConformanceReport[] = [];
  for (const t of targets) {
    const mine = all.filter((l) => l.name.startsWith(`${t.name} > `));
    const specs = sortSpecs(mine.map((l) => toSpecResult(l, opts.expectations)));
    const implementation = await implementationSection(
      t.name,
      t.given,
      t.modulePath,
      implEvents.filter((e) => e.name === t.name),
      browser,
    );
    reports.push({
      kind: REPORT_KIND,
      schemaVersion: REPORT_SCHEMA_VERSION,
      suite: { name: 'mnist-spec', version: VERSION, ...git },
      implementation,
      machine: machineInfo(),
      data: {
        embedded,
        full,
        ...(full ? {} : { note: 'no full MNIST set (MNIST_DIR / --data DIR): the specs that need it are skipped' }),
      },
      run: {
        command: opts.command ?? `mnist-spec conform ${browser ? `--browser ${browser} ` : ''}--impl ${t.given}`,
        tier,
        queries,
        shards: opts.shard ? [opts.shard] : [],
        expectationsFile: opts.expectations?.file ?? null,
        startedAt: new Date(started).toISOString(),
        finishedAt: new Date(finished).toISOString(),
        wallSeconds: Math.round((finished - started) / 100) / 10,
        specFiles: files.map((f) => relative(root, f).split('\\').join('/')),
        watchdogKills: kills,
        errors: [...new Set(runErrors.filter(Boolean))],
      },
      summary: summarize(specs, opts.strict, new Set(runErrors.filter(Boolean)).size),
      specs,
    });
  }
  return reports;
}

async function implementationSection(
  name: string,
  given: string,
  modulePath: string,
  events: Extract<SpecEvent, { t: 'impl' }>[],
  browser: string | undefined,
): Promise<ImplementationSection> {
  const e = events.find((x) => x.info) ?? events[0];
  if (e) {
    const env = events.find((x) => x.environment)?.environment;
    return {
      name,
      module: given,
      declaredName: e.declaredName,
      version: e.version,
      capabilities: e.capabilities,
      ...(e.info ? { backend: e.info.backend, ...(e.info.details ? { details: e.info.details } : {}), ...precisionSection(e.info.precision) } : {}),
      ...(e.infoError ? { infoError: e.infoError } : {}),
      ...(env ? { browser: browserSection(env) } : {}),
    };
  }
  // A page that never loaded left no report of itself: its specs' errors say why, and the runner does not open another.
  if (browser) return { name, module: given, infoError: `the page never reported itself (no spec got as far as info()): see the specs' errors` };
  // No spec loaded it (everything filtered or skipped): ask it directly when Node can load it.
  if (isShipped(given) || isExecSpec(modulePath) || /\.[cm]?js$/.test(modulePath)) {
    try {
      const impl = await loadImplementation(modulePath);
      const info = await impl.info();
      await impl.close?.();
      return {
        name,
        module: given,
        declaredName: impl.name,
        version: impl.version,
        capabilities: impl.capabilities,
        backend: info.backend,
        ...(info.details ? { details: info.details } : {}),
        ...precisionSection(info.precision),
        ...(impl.unavailable ? { infoError: `unavailable: ${impl.unavailable}` } : {}),
      };
    } catch (err) {
      return { name, module: given, infoError: (err as Error).message };
    }
  }
  return { name, module: given, infoError: 'no spec ran, so the implementation was never loaded' };
}

/** The declared precision and the tolerance profile it selects (src/harness/precision.ts). */
function precisionSection(declared: string | undefined): Pick<ImplementationSection, 'precision' | 'profile'> {
  try {
    const p = profileOf(declared as never);
    return {
      precision: { value: p.precision, declared: declared !== undefined },
      profile: { precision: p.precision, summary: p.summary, tolerances: profileRows(p) },
    };
  } catch {
    return {};
  }
}

/** What a page said of its browser (src/browser/page/gpu.ts PageEnvironment, plus the runner's browser and version), for the report's first screen. */
function browserSection(env: Record<string, unknown>): BrowserSection {
  const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));
  const webgl = env.webgl as { renderer?: string; vendor?: string; version?: string } | null | undefined;
  const gpu = (env.webgpu ?? {}) as Record<string, unknown>;
  const adapter =
    'adapterVendor' in gpu
      ? [gpu.adapterVendor, gpu.adapterArchitecture, gpu.adapterDevice, gpu.adapterDescription].filter((x) => typeof x === 'string' && x).join(' ') +
        (gpu.adapterIsFallback ? ' (fallback adapter: software)' : '') +
        (gpu.shaderF16 ? ', shader-f16' : '')
      : str(gpu.webgpu) || 'none';
  return {
    name: str(env.browser) || 'unknown',
    version: str(env.browserVersion),
    ...(typeof env.executable === 'string' ? { executable: env.executable } : {}),
    userAgent: str(env.userAgent),
    webglRenderer: webgl ? `${str(webgl.renderer)}${webgl.version ? ` (${str(webgl.version)})` : ''}` : 'no WebGL 2 context',
    webgpuAdapter: adapter,
    ...(typeof env.crossOriginIsolated === 'boolean' ? { crossOriginIsolated: env.crossOriginIsolated } : {}),
    raw: env,
  };
}

function runAttempt(
  childScript: string,
  cfg: ChildConfig,
  env: NodeJS.ProcessEnv,
  graceMs: number,
  progress: (p: Progress | { kind: 'collected'; names: string[] }) => void,
  implEvents: Extract<SpecEvent, { t: 'impl' }>[],
  expectations: Expectations | undefined,
): Promise<Attempt> {
  return new Promise((resolvePromise) => {
    const proc = spawn(process.execPath, [childScript, JSON.stringify(cfg)], { cwd: cfg.root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stdout.on('data', () => undefined);
    proc.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-20_000);
    });
    const events = new Tail(env[ENV.events]!);
    const results = new Tail(env[ENV.results]!);
    const a: Attempt = { results: [], collected: new Map(), moduleErrors: [], runEnded: false, runErrors: [], hung: undefined, exitCode: null, stderr: '' };
    const running = new Map<string, { start: number; timeoutMs: number; pid: number }>();
    let finished = false;

    const poll = (): void => {
      for (const e of events.read<SpecEvent>()) {
        if (e.t === 'spec-start') {
          // A worker runs its specs one at a time: a spec it started earlier is over (passed, failed, or
          // timed out by vitest, whose result may still be on its way), so it cannot be the one hanging.
          for (const [n, r] of running) if (r.pid === e.pid) running.delete(n);
          running.set(e.name, { start: Date.now(), timeoutMs: e.timeoutMs, pid: e.pid });
          progress({ kind: 'start', name: e.name });
        } else if (e.t === 'spec-end') running.delete(e.name);
        else if (e.t === 'impl') implEvents.push(e);
        else if (e.t === 'train') {
          const { t: _t, pid: _p, at: _a, ...rest } = e;
          progress({ kind: 'train', ...rest });
        }
      }
      for (const l of results.read<ReporterLine>()) {
        if (l.t === 'result') {
          running.delete(l.name);
          a.results.push(l);
          progress({ kind: 'result', result: toSpecResult(l, expectations) });
        } else if (l.t === 'collected') {
          for (const n of l.names) a.collected.set(n, l.file);
          progress({ kind: 'collected', names: l.names });
        } else if (l.t === 'module-end') a.moduleErrors.push(...l.errors.map((m) => `${l.file}: ${m}`));
        else if (l.t === 'run-end') {
          a.runEnded = true;
          a.runErrors.push(...l.errors);
        }
      }
      if (finished || a.hung) return;
      const now = Date.now();
      for (const [n, r] of running) {
        const limit = (r.timeoutMs || 60_000) + graceMs;
        if (now - r.start > limit) {
          a.hung = { name: n, seconds: (now - r.start) / 1000 };
          killGroup();
          break;
        }
      }
    };
    const killGroup = (): void => {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    // The runner has its own process group (so the watchdog can kill its workers with it): take it down
    // with us when we are interrupted (src/util/cleanup.ts: then the scratch folder goes too) or exit.
    const forget = onInterrupt(killGroup);
    process.once('exit', killGroup);
    const timer = setInterval(poll, 200);
    proc.on('close', (code) => {
      finished = true;
      clearInterval(timer);
      forget();
      process.off('exit', killGroup);
      poll();
      // Workers are in the runner's process group: make sure none outlives it.
      killGroup();
      a.exitCode = code;
      a.stderr = stderr;
      resolvePromise(a);
    });
  });
}
