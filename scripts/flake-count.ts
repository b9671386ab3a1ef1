import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ConformanceReport } from '../src/conform/report.js';
import { ENV } from '../src/harness/env.js';
import { theOneWithRole } from '../src/impl/registry.js';
import { writeFileAtomic } from '../src/util/fs.js';
import { gitState } from '../src/util/git.js';
import { machineInfo } from '../src/util/machine.js';

/**
 * `npm run flakes -- --runs 10`: how often the default tier fails a correct implementation. The verdicts of the
 * default tier that depend on a random draw are the notebook outcome specs on embedded data (every other spec is
 * seeded and deterministic), so this runs `mnist-spec conform --query 'notebook:*'` on the reference N times in a
 * row, each with another training seed (MNIST_SPEC_TRAIN_SEED: seed, seed + 1, …), as a user runs the built CLI, and
 * counts per spec the runs that failed or warned. Opt-in (minutes per run); writes reports/flakes/<impl>.json and
 * .md after every run, so an interrupted measurement keeps what it ran.
 *
 *   node --import tsx scripts/flake-count.ts [--runs 10] [--impl tfjs] [--first-seed 101] [--query 'notebook:*'] [--out reports/flakes]
 *   --render: re-render <out>/<impl>.md from <out>/<impl>.json, running nothing (e.g. after stopping a measurement).
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = "usage: npm run flakes -- [--runs 10] [--impl tfjs] [--first-seed 101] [--query 'notebook:*'] [--out reports/flakes]\n";

function fail(message: string): never {
  process.stderr.write(`flake-count: ${message}\n${USAGE}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    impl: { type: 'string', default: theOneWithRole('reference') },
    'first-seed': { type: 'string', default: '101' },
    query: { type: 'string', default: 'notebook:*' },
    out: { type: 'string', default: 'reports/flakes' },
    render: { type: 'boolean', default: false },
  },
});
const positiveInt = (name: string, text: string, min: number): number => {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) fail(`--${name}: "${text}" is not an integer ≥ ${min}`);
  return n;
};
const runs = positiveInt('runs', values.runs, 1);
const firstSeed = positiveInt('first-seed', values['first-seed'], 0);
const cli = join(ROOT, 'dist', 'cli', 'main.js');
if (!existsSync(cli)) fail(`${cli} is missing: run \`npm run build\` first`);
const outDir = resolve(values.out);
const safeName = values.impl.replace(/[^A-Za-z0-9._-]+/g, '_');

interface SpecOutcome {
  status: string;
  measured?: unknown;
  reason?: string;
}
interface FlakeRun {
  run: number;
  seed: number;
  exitCode: number | null;
  verdict: string;
  wallSeconds: number;
  loadAverage: number;
  specs: Record<string, SpecOutcome>;
}

const result = {
  kind: 'mnist-spec/flake-count',
  runsAsked: runs,
  implementation: values.impl,
  query: values.query,
  tier: 'fast',
  data: 'embedded',
  suite: { commit: gitState(ROOT).commit },
  machine: machineInfo(),
  runs: [] as FlakeRun[],
};

/** Per spec: runs that passed, warned, failed (anything else counts as other). */
function tally(all: readonly FlakeRun[]): Map<string, Record<'pass' | 'warn' | 'fail' | 'other', number>> {
  const t = new Map<string, Record<'pass' | 'warn' | 'fail' | 'other', number>>();
  for (const r of all)
    for (const [id, s] of Object.entries(r.specs)) {
      const row = t.get(id) ?? { pass: 0, warn: 0, fail: 0, other: 0 };
      const key = s.status === 'pass' || s.status === 'warn' || s.status === 'fail' ? s.status : 'other';
      row[key]++;
      t.set(id, row);
    }
  return new Map([...t].sort(([a], [b]) => a.localeCompare(b)));
}

const short = (m: unknown): string => {
  if (!m || typeof m !== 'object') return m === undefined ? '' : String(m);
  const o = m as Record<string, unknown>;
  return typeof o.accuracy === 'number' ? `acc ${o.accuracy.toFixed(4)}` : '';
};

function markdown(): string {
  const all = result.runs;
  const flaky = all.filter((r) => r.exitCode !== 0).length;
  const t = tally(all);
  const lines = [
    `# Flake count: ${result.implementation}, default tier, \`${result.query}\``,
    '',
    `Written by \`npm run flakes -- --runs ${result.runsAsked} --impl ${result.implementation} --first-seed ${result.runs[0]?.seed ?? firstSeed}\` (scripts/flake-count.ts) at suite commit ` +
      `${result.suite.commit ?? 'unknown'}: \`mnist-spec conform --impl ${result.implementation} --query '${result.query}' --data embedded\`, the built CLI, ` +
      `${all.length} run(s) in a row, each with another training seed (MNIST_SPEC_TRAIN_SEED). Only these specs depend on a random draw; ` +
      'every other spec of the default tier is seeded and deterministic.',
    '',
    ...(all.length < result.runsAsked ? [`Stopped after ${all.length} of the ${result.runsAsked} runs asked.`, ''] : []),
    `**${flaky} of ${all.length} runs failed** (flakes: runs that exited non-zero; \`conforms-partial\` only says the full tier's specs skipped without MNIST_DIR); ${all.filter((r) => Object.values(r.specs).some((s) => s.status === 'warn')).length} run(s) had a warning.`,
    '',
    '| spec | pass | warn | fail | other |',
    '| --- | --- | --- | --- | --- |',
    ...[...t].map(([id, c]) => `| ${id} | ${c.pass} | ${c.warn} | ${c.fail} | ${c.other} |`),
    '',
    '## Runs',
    '',
    '| run | seed | exit | verdict | wall s | load | accuracies (embedded outcomes) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...all.map((r) => {
      const acc = Object.entries(r.specs)
        .filter(([id, s]) => /^notebook:outcome:recipe=[^;]+;data=embedded;epochs=\d+$/.test(id) && s.status !== 'skip')
        .map(([id, s]) => `${/recipe=([^;]+)/.exec(id)![1]} ${short(s.measured)}${s.status === 'pass' ? '' : ` (${s.status})`}`);
      return `| ${r.run} | ${r.seed} | ${r.exitCode} | ${r.verdict} | ${r.wallSeconds.toFixed(0)} | ${r.loadAverage.toFixed(1)} | ${acc.join(', ')} |`;
    }),
    '',
  ];
  return lines.join('\n');
}

const save = async (): Promise<void> => {
  await mkdir(outDir, { recursive: true });
  await writeFileAtomic(join(outDir, `${safeName}.json`), `${JSON.stringify(result, null, 1)}\n`);
  await writeFileAtomic(join(outDir, `${safeName}.md`), markdown());
};

if (values.render) {
  const path = join(outDir, `${safeName}.json`);
  if (!existsSync(path)) fail(`--render: ${path} does not exist`);
  const old = JSON.parse(readFileSync(path, 'utf8')) as typeof result;
  Object.assign(result, { runsAsked: old.runsAsked ?? runs }, old);
  await writeFileAtomic(join(outDir, `${safeName}.md`), markdown());
  process.stdout.write(`wrote ${join(outDir, `${safeName}.md`)}\n`);
  process.exit(0);
}

for (let i = 0; i < runs; i++) {
  const seed = firstSeed + i;
  const reportDir = mkdtempSync(join(tmpdir(), 'flake-'));
  const load = loadavg()[0]!;
  const started = Date.now();
  process.stdout.write(`run ${i + 1}/${runs}, seed ${seed} (load ${load.toFixed(1)}) … `);
  const env = { ...process.env, [ENV.trainSeed]: String(seed) };
  const proc = spawnSync(process.execPath, [cli, 'conform', '--impl', values.impl, '--query', values.query, '--data', 'embedded', '--report-dir', reportDir], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallSeconds = (Date.now() - started) / 1000;
  const reportPath = join(reportDir, 'report.json');
  const specs: Record<string, SpecOutcome> = {};
  let verdict = `no report (exit ${proc.status}): ${(proc.stderr ?? '').trim().split('\n').slice(-3).join(' / ')}`;
  if (existsSync(reportPath)) {
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as ConformanceReport;
    verdict = report.summary.verdict ?? (report.summary.ok ? 'ok' : 'not ok');
    for (const s of report.specs)
      specs[s.id] = {
        status: s.status,
        ...(s.measured !== undefined ? { measured: s.measured } : {}),
        ...(s.status !== 'pass' && s.reason ? { reason: s.reason } : {}),
      };
  }
  rmSync(reportDir, { recursive: true, force: true });
  result.runs.push({ run: i + 1, seed, exitCode: proc.status, verdict, wallSeconds, loadAverage: Math.round(load * 100) / 100, specs });
  await save();
  process.stdout.write(`${verdict} (exit ${proc.status}, ${wallSeconds.toFixed(0)} s)\n`);
}
const failed = result.runs.filter((r) => r.exitCode !== 0).length;
process.stdout.write(`\n${failed} of ${runs} runs failed; ${join(outDir, `${safeName}.md`)}\n`);
