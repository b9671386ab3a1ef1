import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { findIdxFiles } from '../../data/load.js';
import { ArgumentError } from '../../errors.js';
import { loadExpectations, type Expectations } from '../../conform/expectations.js';
import { renderFaultSweep, sweepFaults } from '../../conform/faults.js';
import { checkQuery, matchQuery } from '../../conform/query.js';
import {
  isReport,
  linesFromVitestJson,
  mergeReports,
  sortSpecs,
  summarize,
  toSpecResult,
  type ConformanceReport,
  type SpecResult,
} from '../../conform/report.js';
import type { ResultLine } from '../../conform/protocol.js';
import { conformanceSpecFiles, listConformance, PACKAGE_ROOT, runConformance, type Progress } from '../../conform/run.js';
import { formatMeasured, headline, seconds, STATUS_LABEL } from '../../conform/render/format.js';
import { writeReports } from '../../conform/write.js';
import { BROWSER_IMPLEMENTATIONS, BROWSERS, checkBrowser, implementationName, isShipped, runsIn, SHIPPED_IMPLEMENTATIONS } from '../../impl/registry.js';
import { isExecSpec } from '../../impl/remote/exec-spec.js';
import { currentTier } from '../../harness/tiers.js';
import { validateReport, validateResultLine, validateVitestJson } from '../../conform/validate.js';
import { setActivity } from '../../util/cleanup.js';
import { checkInputFile, checkOutputDirectory, safePathComponent, writeFileAtomic } from '../../util/fs.js';
import { machineInfo } from '../../util/machine.js';
import { MAX_SECONDS, positiveArg } from '../args.js';
import { VERSION } from '../../version.js';

interface ConformOptions {
  impl?: string;
  browser?: string;
  query: string[];
  tier: string;
  data?: string;
  expectations?: string;
  reportDir?: string;
  shard?: string;
  timeout?: number;
  watchdogGrace?: number;
  strict?: boolean;
  list?: boolean;
  json?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, checkQuery(v)];

const MARK: Record<SpecResult['status'], string> = { pass: '✓', warn: '⚠', fail: '✗', skip: '-', 'expected-fail': '○', 'unexpected-pass': '!' };

/**
 * A live display of a run: on a terminal a progress bar (with the training spec's epoch and batch while
 * one runs) and each problem printed above it as it happens; otherwise one line per spec.
 */
/** A training metric as the live display shows it: a loss that went NaN arrives as null (JSON has no NaN) and says NaN. */
export const metric = (v: number | null | undefined): string =>
  typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : typeof v === 'number' ? String(v) : 'NaN';

export function liveDisplay(out: NodeJS.WriteStream = process.stdout): { onProgress: (p: Progress) => void; stop: () => void } {
  const tty = !!out.isTTY;
  let total = 0;
  let doneCount = 0;
  let current = '';
  let training = '';
  let multi: cliProgress.MultiBar | undefined;
  let bar: cliProgress.SingleBar | undefined;
  if (tty) {
    multi = new cliProgress.MultiBar(
      {
        stream: out,
        hideCursor: true,
        clearOnComplete: true,
        format: (o, p, payload: { current: string }) => `${cliProgress.Format.BarFormat(p.progress, o)} ${p.value}/${p.total} ${payload.current}`,
        barsize: 24,
        fps: 8,
      },
      cliProgress.Presets.shades_classic,
    );
    bar = multi.create(1, 0, { current: 'collecting specs…' });
  }
  const say = (line: string): void => {
    if (multi) multi.log(line + '\n');
    else out.write(line + '\n');
  };
  const update = (): void => {
    const cur = `${current}${training ? `  ${training}` : ''}`;
    bar?.setTotal(Math.max(total, 1));
    bar?.update(doneCount, { current: cur.length > 110 ? cur.slice(0, 109) + '…' : cur });
  };
  return {
    onProgress(p) {
      if (p.kind === 'planned') total = p.total;
      else if (p.kind === 'start') {
        current = p.name;
        training = '';
      } else if (p.kind === 'train') {
        training = `epoch ${p.epoch + 1}/${p.epochs}${p.total ? ` ${p.seen}/${p.total}` : ''} loss ${metric(p.loss)} acc ${metric(p.acc)}${p.valAcc !== undefined ? ` val_acc ${metric(p.valAcc)}` : ''}`;
        if (!tty && p.epochEnd) say(`    ${p.name}: ${training}`);
      } else if (p.kind === 'watchdog') say(`  ⏱ ${p.name}: no result after ${p.seconds.toFixed(0)} s — killed the runner; going on with the other specs`);
      else if (p.kind === 'result') {
        doneCount++;
        const r = p.result;
        if (r.name === current) training = '';
        if (!tty || r.status === 'fail' || r.status === 'unexpected-pass' || r.status === 'warn') {
          const extra = r.status === 'pass' ? (r.measured !== undefined ? `  ${formatMeasured(r.measured, 70)}` : '') : `  ${r.reason ?? ''}`;
          say(`  ${MARK[r.status]} ${r.name} (${seconds(r.durationMs)})${extra.length > 160 ? extra.slice(0, 159) + '…' : extra}`);
        }
      }
      update();
    },
    stop() {
      multi?.stop();
    },
  };
}

/** Text from an implementation or a results file, made fit for one terminal line: no control characters, bounded. */
const printable = (s: string | undefined, max = 200): string => (s ?? '').replace(/\p{Cc}/gu, '?').slice(0, max);

export function printSummary(r: ConformanceReport, files: string[], out: NodeJS.WriteStream = process.stdout): void {
  const impl = r.implementation;
  const lines = [
    '',
    `${headline(r)} — ${printable(impl.declaredName ?? impl.name)} ${printable(impl.version, 60)} (${printable(impl.backend ?? 'backend unknown', 80)}), ${r.run.wallSeconds} s`,
  ];
  // An implementation that is unavailable here (its specs all skipped) or could not report itself: say why first.
  if (impl.infoError) lines.push(`  note: ${printable(impl.infoError)}`);
  if (impl.browser)
    lines.push(
      `  in ${printable(impl.browser.name)} ${printable(impl.browser.version, 40)}; WebGL ${printable(impl.browser.webglRenderer, 200)}; WebGPU ${printable(impl.browser.webgpuAdapter, 100)}`,
    );
  if (impl.precision && (impl.precision.declared || impl.browser))
    lines.push(
      `  precision ${impl.precision.value}${impl.precision.declared ? ' (declared)' : ' (not declared: float32)'}: judged with the ${impl.precision.value} tolerance profile`,
    );
  const bad = r.specs.filter((s) => s.status === 'fail' || s.status === 'unexpected-pass');
  for (const s of bad) lines.push(`  ${STATUS_LABEL[s.status]} ${printable(s.name)}: ${printable(s.reason, 300)}`);
  // Passed, but beyond what a correct implementation usually shows: judged, not failing the run.
  for (const s of r.specs.filter((x) => x.status === 'warn')) lines.push(`  ${STATUS_LABEL[s.status]} ${printable(s.name)}: ${printable(s.reason, 300)}`);
  const expected = r.specs.filter((s) => s.status === 'expected-fail');
  if (expected.length) lines.push(`  ${expected.length} expected failure(s), as the expectations file says`);
  for (const e of r.run.errors) lines.push(`  error: ${printable(e.split('\n')[0], 300)}`);
  lines.push(`reports: ${files.join(', ')}`, '');
  out.write(lines.join('\n'));
}

/** Expectations: the file given, else expectations/<impl>.json of a shipped implementation when there is one. */
async function expectationsFor(opts: { expectations?: string; impl: string }): Promise<Expectations | undefined> {
  if (opts.expectations) return loadExpectations(opts.expectations);
  const shipped = join(PACKAGE_ROOT, 'expectations', `${opts.impl}.json`);
  if (isShipped(opts.impl) && existsSync(shipped)) return loadExpectations(shipped);
  return undefined;
}

function checkShard(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new ArgumentError('--shard', `must be i/n with 1 ≤ i ≤ n, got "${v}"`);
  return v;
}

/** A results file over this is not one a shard wrote (the full tier's report.json is ~2 MB). */
const MAX_RESULTS_FILE = 256 * 2 ** 20;

/** Read a report.json, a results .jsonl of the conform reporter, or vitest's --reporter=json output; each checked field by field. */
async function readResults(file: string): Promise<{ report?: ConformanceReport; lines?: ResultLine[] }> {
  await checkInputFile(file, 'merge', { maxBytes: MAX_RESULTS_FILE, what: 'a results file' });
  const text = await readFile(file, 'utf8');
  if (file.endsWith('.jsonl')) {
    const lines: ResultLine[] = [];
    text.split('\n').forEach((l, i) => {
      if (!l.trim()) return;
      let v: unknown;
      try {
        v = JSON.parse(l);
      } catch (e) {
        throw new ArgumentError('merge', `${file}: line ${i + 1}: not JSON: ${(e as Error).message}`);
      }
      if ((v as { t?: unknown } | null)?.t === 'result') lines.push(validateResultLine(v, file, `line ${i + 1}`));
    });
    return { lines };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ArgumentError('merge', `${file}: not JSON: ${(e as Error).message}`);
  }
  if ((json as { kind?: unknown } | null)?.kind !== undefined && isReport(json)) return { report: validateReport(json, file) };
  if ((json as { kind?: unknown } | null)?.kind !== undefined) validateReport(json, file);
  if ((json as { testResults?: unknown } | null)?.testResults === undefined)
    throw new ArgumentError('merge', `${file}: neither a conformance report.json nor vitest JSON results`);
  validateVitestJson(json, file);
  const lines = linesFromVitestJson(json);
  if (!lines.length) throw new ArgumentError('merge', `${file}: vitest JSON results holding no test`);
  return { lines };
}

/** Fail early on a --data (or MNIST_DIR) that is not a directory of the four readable IDX files. */
async function checkDataFlag(data: string | undefined): Promise<void> {
  if (data === '') throw new ArgumentError('--data', "an empty path; name a directory of the four IDX files, or 'embedded'");
  const [dir, argument] = data !== undefined ? [data, '--data'] : [process.env.MNIST_DIR, 'MNIST_DIR'];
  if (dir === undefined || dir === '' || dir === 'embedded') return;
  const { location, found } = await findIdxFiles(dir, argument);
  for (const name of found) await checkInputFile(join(location, name), argument);
}

/**
 * What can be told before the run: a query no spec file can hold (its area, `model:`, is in none), and a
 * shard past the number of spec files (vitest deals files out evenly: shard i of n is empty when i exceeds them).
 */
function checkSelectionUpFront(queries: readonly string[], shard: string | undefined): void {
  for (const q of queries) {
    if (!conformanceSpecFiles(PACKAGE_ROOT, [q]).length)
      throw new ArgumentError(
        '--query',
        `"${q}" selects no spec (no spec file holds an id like it; ids look like model:summary:recipe=001); no report written`,
      );
  }
  if (!shard) return;
  const files = conformanceSpecFiles(PACKAGE_ROOT, queries.length ? queries : ['*']).length;
  const [i] = shard.split('/').map(Number);
  if (i! > files)
    throw new ArgumentError(
      '--shard',
      `${shard} holds none of the specs selected: they are in ${files} spec file(s), dealt out one or more per shard, so at most ${files} shards have any; no report written`,
    );
}

/**
 * A run that judged no spec because none was selected is bad usage, not a verdict: each query must select
 * at least one spec. (A shard is a part: its files may hold none of the selected specs while the other
 * shards' do; it says so, and the merged report gives the verdict.)
 */
function checkSelection(report: ConformanceReport, queries: readonly string[], shard: string | undefined): void {
  if (report.run.errors.length || shard) return; // nothing ran because something broke: a run error, judged as such
  const ids = report.specs.map((s) => s.id);
  for (const q of queries.length ? queries : ['*']) {
    if (!ids.some((id) => matchQuery(id, q))) {
      throw new ArgumentError(
        '--query',
        `"${q}" selects no spec (spec ids look like model:summary:recipe=001; mnist-spec conform --impl X --query '*' runs them all); no report written`,
      );
    }
  }
}

/** `mnist-spec conform`: run the specs against one implementation and write its reports. */
export function registerConform(program: Command): void {
  // `conform merge … --report-dir X`: options after a subcommand belong to that subcommand, which needs
  // positional options on every command above it (program-level options are only -V and -h).
  program.enablePositionalOptions();
  const conform = program
    .command('conform')
    .description('run the specs against one implementation (shipped or your module) and write report.json, report.md, report.html and junit.xml')
    .option(
      '--impl <name|path|exec:command>',
      `a shipped implementation (${SHIPPED_IMPLEMENTATIONS.join(', ')}), a module whose default export implements src/impl/interface.ts, ` +
        "or exec:'<command>' — a program speaking the protocol of docs/protocol.md on stdin/stdout",
    )
    .option(
      '--browser <name>',
      `run the implementation in a headless browser page (${BROWSERS.join(', ')}): a browser implementation (${BROWSER_IMPLEMENTATIONS.map((s) => s.name).join(', ')}) ` +
        'or your module, bundled for the page; the specs stay in Node and judge it over the remote protocol (docs/browser.md)',
    )
    .option('--query <pattern>', 'spec id pattern, CTS-style: `*` matches anything (e.g. model:summary:*); repeatable', collect, [])
    .option('--tier <fast|full>', "fast (default) or full (the notebooks' own budgets; needs --data DIR)", 'fast')
    .option('--data <DIR|embedded>', 'the full MNIST set as a directory of IDX files, or "embedded" for the embedded split only (default: MNIST_DIR)')
    .option(
      '--expectations <file>',
      'JSON file of specs expected to fail or skip, each with a reason (default: expectations/<impl>.json for a shipped implementation)',
    )
    .option('--report-dir <dir>', 'where the reports go (default: reports/<impl>)')
    .option('--shard <i/n>', 'run the i-th of n parts of the spec files (merge the parts with `conform merge`)')
    .option('--timeout <seconds>', "per-spec timeout for every spec, instead of each spec's own", positiveArg('--timeout', MAX_SECONDS))
    .option(
      '--watchdog-grace <seconds>',
      'how long past its timeout a spec that blocks may stay silent before the runner is killed and restarted without it',
      positiveArg('--watchdog-grace', MAX_SECONDS),
      15,
    )
    .option('--strict', 'an unexpected pass fails the run too')
    .option('--list', 'list the specs the queries select, with the behaviours of the contract each judges (CONTRACT.md); run nothing')
    .option('--json', 'with --list: JSON (id, file, claim, tier, tags, needs, judges)')
    .enablePositionalOptions()
    .action(async (opts: ConformOptions) => {
      if (opts.list) {
        const listed = await listConformance({ queries: opts.query });
        if (!listed.length) throw new ArgumentError('--query', `no conformance spec matches ${opts.query.join(' ')}`);
        if (opts.json)
          process.stdout.write(
            JSON.stringify(
              listed.map((l) => ({
                id: l.id,
                file: l.file,
                claim: l.record.claim,
                tier: l.record.tier,
                tags: l.record.tags,
                needs: l.record.needs,
                judges: l.record.judges,
                stochastic: l.record.stochastic,
              })),
              null,
              1,
            ) + '\n',
          );
        else for (const l of listed) process.stdout.write(`${l.id}  [${l.record.tier}] ${(l.record.judges ?? []).join(', ')}\n`);
        return;
      }
      if (!opts.impl) throw new ArgumentError('--impl', 'name a shipped implementation or a module path');
      if (opts.browser !== undefined) {
        checkBrowser(opts.browser);
        if ((isShipped(opts.impl) && runsIn(opts.impl) !== 'browser') || isExecSpec(opts.impl)) {
          throw new ArgumentError(
            '--browser',
            `${opts.impl} does not run in a browser page: --browser takes a browser implementation (${BROWSER_IMPLEMENTATIONS.map((s) => s.name).join(', ')}) or a module path`,
          );
        }
      } else if (runsIn(opts.impl) === 'browser') throw new ArgumentError('--browser', `${opts.impl} runs in a browser page: add --browser chromium`);
      if (opts.tier !== 'fast' && opts.tier !== 'full') throw new ArgumentError('--tier', `must be fast or full, got "${opts.tier}"`);
      const shard = checkShard(opts.shard);
      const expectations = await expectationsFor({ impl: opts.impl, ...(opts.expectations ? { expectations: opts.expectations } : {}) });
      const name = implementationName(isShipped(opts.impl) || isExecSpec(opts.impl) ? opts.impl : resolve(opts.impl));
      // Everything the run will need is checked before it starts: a bad --report-dir must not cost a run.
      const reportDir = opts.reportDir ?? join('reports', safePathComponent(name));
      await checkOutputDirectory(reportDir, '--report-dir');
      await checkDataFlag(opts.data);
      checkSelectionUpFront(opts.query, shard);
      if (!isShipped(opts.impl) && !isExecSpec(opts.impl))
        await checkInputFile(opts.impl, '--impl', { what: 'an implementation module' }).catch((e: unknown) => {
          if (e instanceof ArgumentError && /: no such file$/.test(e.detail)) {
            throw new ArgumentError(
              '--impl',
              `"${opts.impl}" is neither a shipped implementation (${SHIPPED_IMPLEMENTATIONS.join(', ')}), an exec: command nor an existing module path`,
            );
          }
          throw e;
        });
      process.stdout.write(
        `mnist-spec ${VERSION} conform: ${name}${opts.browser ? ` in ${opts.browser}` : ''} (tier ${opts.tier}${opts.query.length ? `, query ${opts.query.join(' ')}` : ''}${shard ? `, shard ${shard}` : ''})\n`,
      );
      const live = liveDisplay();
      let report: ConformanceReport;
      setActivity(`running the specs against ${name} (no report written)`);
      try {
        report = await runConformance({
          impl: opts.impl,
          ...(opts.browser ? { browser: opts.browser } : {}),
          queries: opts.query,
          tier: opts.tier,
          ...(opts.data ? { data: opts.data } : {}),
          ...(expectations ? { expectations } : {}),
          ...(shard ? { shard } : {}),
          ...(opts.timeout ? { specTimeoutMs: opts.timeout * 1000 } : {}),
          ...(opts.watchdogGrace ? { graceMs: opts.watchdogGrace * 1000 } : {}),
          strict: !!opts.strict,
          onProgress: live.onProgress,
          command: ['mnist-spec', ...process.argv.slice(2)].join(' '),
        });
      } finally {
        live.stop();
        setActivity(undefined);
      }
      checkSelection(report, opts.query, shard);
      const files = await writeReports(reportDir, report, { strict: !!opts.strict });
      printSummary(report, files);
      // A shard that judged nothing (its files hold none of the selected specs, or all of them skip) is not a
      // failure of the implementation: it says so, and `conform merge` of all the shards gives the verdict.
      const nothingHere = !!shard && report.summary.verdict === 'nothing-judged';
      if (nothingHere)
        process.stdout.write(
          `shard ${shard} judged nothing (${report.summary.total ? `all ${report.summary.total} of its specs skipped` : "none of the selected specs is in this shard's spec files"}): merge the shards' reports with \`mnist-spec conform merge\` for the verdict\n`,
        );
      process.exitCode = report.summary.ok || nothingHere ? 0 : 1;
    });

  conform
    .command('merge')
    .description('merge the results of shards (report.json files, conform reporter .jsonl, or vitest --reporter=json output) into one report')
    .argument('<files...>', 'result files')
    .option('--impl <name>', "keep only this implementation's specs (needed for vitest JSON holding several)")
    .option('--expectations <file>', 'judge raw results against this expectations file')
    .option('--report-dir <dir>', 'where the merged reports go (default: reports/<--impl>; a name inside a results file is never used as a path)')
    .option('--strict', 'an unexpected pass fails the run too')
    .action(async (files: string[], opts: { impl?: string; expectations?: string; reportDir?: string; strict?: boolean }) => {
      // Where the reports go comes from the command line only: the files may come from an untrusted shard.
      if (opts.reportDir === undefined && opts.impl === undefined)
        throw new ArgumentError('--report-dir', 'name where the merged reports go (or --impl, for reports/<impl>)');
      const reportDir = await checkOutputDirectory(opts.reportDir ?? join('reports', safePathComponent(opts.impl!)), '--report-dir');
      const expectations = opts.expectations ? await loadExpectations(opts.expectations) : undefined;
      const reports: ConformanceReport[] = [];
      const loose: ResultLine[] = [];
      for (const f of files) {
        const r = await readResults(f);
        if (r.report) reports.push(r.report);
        else loose.push(...r.lines!);
      }
      if (loose.length) {
        const impl = opts.impl ?? reports[0]?.implementation.name ?? loose.find((l) => l.name.includes(' > '))?.name.split(' > ')[0];
        if (!impl) throw new ArgumentError('--impl', 'name the implementation whose results these are');
        // Specs another shard or the name filter left out are reported skipped without a reason: not part of the run.
        const mine = loose.filter(
          (l) => l.name.startsWith(`${impl} > `) && (l.state !== 'skipped' || (l.spec as { skipReason?: string } | undefined)?.skipReason),
        );
        const specs = sortSpecs(mine.map((l) => toSpecResult(l, expectations)));
        const now = new Date().toISOString();
        reports.push({
          kind: 'mnist-spec/conformance-report',
          schemaVersion: 1,
          suite: { name: 'mnist-spec', version: VERSION, commit: null, dirty: null },
          implementation: { name: impl, module: impl },
          machine: machineInfo(),
          data: { embedded: null, full: null, note: 'merged from raw vitest results: data provenance not recorded' },
          run: {
            command: `mnist-spec conform merge ${files.join(' ')}`,
            tier: currentTier(),
            queries: ['*'],
            shards: [],
            expectationsFile: expectations?.file ?? null,
            startedAt: now,
            finishedAt: now,
            wallSeconds: 0,
            specFiles: [...new Set(mine.map((l) => l.file))],
            watchdogKills: 0,
            errors: [],
          },
          summary: summarize(specs, !!opts.strict),
          specs,
        });
      }
      if (!reports.length) throw new ArgumentError('merge', 'no results in the files given');
      const names = [...new Set(reports.map((r) => r.implementation.name))];
      if (names.length > 1)
        throw new ArgumentError(
          'merge',
          `the files hold results of different implementations (${names.map((n) => JSON.stringify(n)).join(', ')}); merge one implementation's shards at a time`,
        );
      if (opts.impl !== undefined && names[0] !== opts.impl)
        throw new ArgumentError('--impl', `"${opts.impl}" but the reports are of ${JSON.stringify(names[0])}`);
      const merged = mergeReports(reports, !!opts.strict);
      if (!merged.specs.length) throw new ArgumentError('merge', `no spec of ${JSON.stringify(names[0])} in the files given`);
      const written = await writeReports(reportDir, merged, { strict: !!opts.strict }).catch((e: unknown) => {
        // The files were checked field by field; what a renderer still cannot read is a malformed detail in one of them.
        if (e instanceof TypeError || e instanceof RangeError) throw new ArgumentError('merge', `a malformed field in ${files.join(', ')}: ${e.message}`);
        throw e;
      });
      printSummary(merged, written);
      process.exitCode = merged.summary.ok ? 0 : 1;
    });

  conform
    .command('faults')
    .description('run conform on every deliberately faulty implementation in examples/faulty and report which specs caught each')
    .option('--query <pattern>', 'spec id pattern; repeatable (default: every spec)', collect, [])
    .option('--only <name>', 'only this faulty implementation; repeatable', (v: string, p: string[]) => [...p, v], [])
    .option('--data <DIR|embedded>', 'as for conform')
    .option('--report-dir <dir>', 'where summary.md and summary.json go', 'reports/faults')
    .option('--each', "also write each faulty implementation's own reports, in <report-dir>/<name>/")
    .action(async (opts: { query: string[]; only: string[]; data?: string; reportDir: string; each?: boolean }) => {
      await checkOutputDirectory(opts.reportDir, '--report-dir');
      await checkDataFlag(opts.data);
      const sweep = await sweepFaults({
        ...(opts.query.length ? { queries: opts.query } : {}),
        ...(opts.only.length ? { only: opts.only } : {}),
        ...(opts.data ? { data: opts.data } : {}),
        ...(opts.each ? { reportDir: opts.reportDir } : {}),
        onFault: (f, i, n) => process.stdout.write(`[${i + 1}/${n}] ${f.file}: ${f.bug}\n`),
      });
      for (const v of sweep.verdicts) process.stdout.write(`  ${v.caught ? 'caught' : 'NOT CAUGHT'} ${v.fault.name}: ${v.caughtBy.join(', ') || '—'}\n`);
      await mkdir(opts.reportDir, { recursive: true });
      await writeFileAtomic(join(opts.reportDir, 'summary.json'), JSON.stringify(sweep, null, 1) + '\n');
      const md = renderFaultSweep(sweep);
      await writeFileAtomic(join(opts.reportDir, 'summary.md'), md);
      process.stdout.write('\n' + md);
      process.exitCode = sweep.caught === sweep.planted ? 0 : 1;
    });
}
