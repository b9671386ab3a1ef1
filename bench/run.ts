import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadData } from '../src/data/load.js';
import { withRole } from '../src/impl/registry.js';
import { machineInfo } from '../src/util/machine.js';
import { writeFileAtomic } from '../src/util/fs.js';
import { VERSION } from '../src/version.js';
import { DATA_FILES, INFER_BATCH, TASKS, TEST_SAMPLES, TRAIN_SAMPLES, type Measurement, type Task } from './workload.js';

/**
 * `npm run bench`: training and inference throughput of every shipped implementation and of the PyTorch
 * peer, on the same data and machine, each runtime in a process of its own (so its peak memory is its
 * own). Prints a table with each implementation's ratio to the peer and writes reports/bench/<date>.json.
 *
 *   npm run bench -- [--impl engine,tfjs] [--repeat 3] [--max-seconds 120] [--data DIR] [--no-peer] [--out DIR]
 *
 * Data: the full MNIST set when it can be found (--data, MNIST_DIR, the Keras cache); otherwise the
 * embedded digits repeated up to 60,000 / 10,000 samples (said in the report): throughput does not depend
 * on which digits. The peer is Debian's python3-torch (/usr/bin/python3) with the same thread count, run
 * twice: as installed, and with OMP_WAIT_POLICY=PASSIVE, which on this machine is several times faster
 * (its OpenMP threads otherwise spin against OpenBLAS's own); ratios are given against both.
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const PYTHON = process.env.MNIST_SPEC_PYTHON ?? '/usr/bin/python3';
/** Load average per core above which a run is flagged as shared with other work. */
const BUSY = 0.5;
const INSTALL_TORCH = 'apt-get update && apt-get install -y python3-torch libopenblas0-pthread';

const { values } = parseArgs({
  options: {
    impl: { type: 'string' },
    repeat: { type: 'string', default: '1' },
    'max-seconds': { type: 'string', default: '120' },
    data: { type: 'string' },
    'no-peer': { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'reports', 'bench') },
    threads: { type: 'string' },
  },
});
const impls = values.impl ? values.impl.split(',') : withRole('bench');
const repeat = Math.max(1, Number(values.repeat));
const threads = Number(values.threads ?? cpus().length);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

function lastJson(stdout: string): Measurement | undefined {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  return line ? (JSON.parse(line) as Measurement) : undefined;
}

/** Repeat a bounded number of images up to n (the embedded set has fewer than the benchmark needs). */
function repeated(src: Uint8Array, per: number, n: number): Uint8Array {
  const out = new Uint8Array(n * per);
  const have = src.length / per;
  for (let i = 0; i < n; i++) out.set(src.subarray((i % have) * per, ((i % have) + 1) * per), i * per);
  return out;
}

async function prepareData(dir: string) {
  const data = await loadData(values.data ? { data: values.data } : {});
  await writeFile(join(dir, DATA_FILES.trainImages), repeated(data.xTrain.data, 784, TRAIN_SAMPLES));
  await writeFile(join(dir, DATA_FILES.trainLabels), repeated(data.yTrain.data, 1, TRAIN_SAMPLES));
  await writeFile(join(dir, DATA_FILES.testImages), repeated(data.xTest.data, 784, TEST_SAMPLES));
  await writeFile(join(dir, DATA_FILES.testLabels), repeated(data.yTest.data, 1, TEST_SAMPLES));
  const { source, location, canonical, counts } = data.provenance;
  return { source, location, canonical, counts, repeatedToFill: counts.train < TRAIN_SAMPLES || counts.test < TEST_SAMPLES };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Combine repeated measurements of one runtime: the median rate per task, the largest peak memory. */
function combine(runs: Measurement[]): Measurement & { runs: number; samples: Partial<Record<Task, number[]>> } {
  const first = runs[0]!;
  const results: Measurement['results'] = {};
  const samples: Partial<Record<Task, number[]>> = {};
  for (const task of TASKS) {
    const got = runs.map((r) => r.results[task]).filter((r) => r !== undefined);
    if (!got.length) continue;
    samples[task] = got.map((r) => r.samplesPerSecond);
    const mid = median(samples[task]);
    const pick = got.reduce((a, b) => (Math.abs(b.samplesPerSecond - mid) < Math.abs(a.samplesPerSecond - mid) ? b : a));
    results[task] = { ...pick, samplesPerSecond: mid };
  }
  const error = runs.map((r) => r.error).find(Boolean);
  return { ...first, results, maxRssBytes: Math.max(...runs.map((r) => r.maxRssBytes)), runs: runs.length, samples, ...(error ? { error } : {}) };
}

async function measureImpl(name: string, dir: string): Promise<Measurement> {
  const args = ['--import', 'tsx', join(here, 'measure.ts'), '--impl', name, '--data', dir, '--max-seconds', values['max-seconds']!];
  const env = { ...process.env, MNIST_SPEC_ENGINE_THREADS: String(threads) };
  const r = await run(process.execPath, args, env);
  return lastJson(r.stdout) ?? { runtime: name, results: {}, maxRssBytes: 0, error: `exit ${r.code}: ${r.stderr.slice(-2000)}` };
}

async function measurePeer(dir: string, passive: boolean): Promise<Measurement> {
  const name = passive ? 'pytorch (OMP passive)' : 'pytorch';
  if (!existsSync(PYTHON)) return { runtime: name, results: {}, maxRssBytes: 0, error: `${PYTHON} not found; install the peer with: ${INSTALL_TORCH}` };
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (passive) env.OMP_WAIT_POLICY = 'PASSIVE';
  else delete env.OMP_WAIT_POLICY;
  const args = [join(here, 'peer_pytorch.py'), '--data', dir, '--threads', String(threads), '--max-seconds', values['max-seconds']!, '--infer-batch', String(INFER_BATCH)];
  const r = await run(PYTHON, args, env);
  const m = lastJson(r.stdout) ?? { runtime: name, results: {}, maxRssBytes: 0, error: `exit ${r.code}: ${r.stderr.slice(-2000)}` };
  m.runtime = name;
  if (m.error?.startsWith('ImportError')) m.error += `; install the peer with: ${INSTALL_TORCH}`;
  return m;
}

async function machine() {
  const pyInfo = existsSync(PYTHON)
    ? (await run(PYTHON, ['-c', 'import platform,sys;print(platform.python_version())'], process.env)).stdout.trim()
    : undefined;
  // Which BLAS Debian's alternatives give PyTorch (the reference BLAS is several times slower than OpenBLAS).
  const alt = await run('readlink', ['-f', '/etc/alternatives/libblas.so.3-x86_64-linux-gnu'], process.env).catch(() => undefined);
  return {
    ...machineInfo(),
    platform: `${platform()} ${release()}`,
    python: pyInfo,
    blas: alt?.stdout.trim() || undefined,
    threads,
  };
}

const fmt = (n: number | undefined): string => (n === undefined ? '—' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`);

function table(rows: Measurement[], peer: Measurement | undefined, tuned: Measurement | undefined): string {
  const head = ['runtime', 'backend', 'MLP train/s', 'CNN train/s', 'MLP infer/s', 'CNN infer/s', 'peak RSS', 'vs pytorch: MLP train', 'CNN train', 'MLP infer', 'vs OMP-passive: MLP train', 'CNN train', 'MLP infer'];
  const body = rows.map((m) => {
    const r = (t: Task) => m.results[t]?.samplesPerSecond;
    const mark = (t: Task) => (m.results[t]?.partial ? '*' : '');
    const p = (t: Task) => peer?.results[t]?.samplesPerSecond;
    const q = (t: Task) => tuned?.results[t]?.samplesPerSecond;
    const isPeer = m === peer || m === tuned;
    return [
      m.runtime,
      m.backend ?? (m.error ? 'error' : '—'),
      fmt(r('mlp-train')) + mark('mlp-train'),
      fmt(r('cnn-train')) + mark('cnn-train'),
      fmt(r('mlp-infer')) + mark('mlp-infer'),
      fmt(r('cnn-infer')) + mark('cnn-infer'),
      m.maxRssBytes ? `${(m.maxRssBytes / 2 ** 20).toFixed(0)} MiB` : '—',
      ...(isPeer ? ['', '', '', '', '', ''] : [ratio(r('mlp-train'), p('mlp-train')), ratio(r('cnn-train'), p('cnn-train')), ratio(r('mlp-infer'), p('mlp-infer')), ratio(r('mlp-train'), q('mlp-train')), ratio(r('cnn-train'), q('cnn-train')), ratio(r('mlp-infer'), q('mlp-infer'))]),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

const work = await mkdtemp(join(tmpdir(), 'mnist-spec-bench-'));
try {
  const startedAt = new Date();
  const loadBefore = loadavg();
  const data = await prepareData(work);
  process.stderr.write(`bench: data ${data.source}${data.repeatedToFill ? ' (repeated to 60,000 / 10,000)' : ''}; ${threads} thread(s); load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}\n`);
  if (loadBefore[0]! > BUSY * cpus().length) process.stderr.write(`bench: warning: the machine is busy (load ${loadBefore[0]!.toFixed(2)} on ${cpus().length} cores); numbers will not compare with a quiet run\n`);
  const measured: Measurement[] = [];
  for (const name of impls) {
    const runs: Measurement[] = [];
    for (let i = 0; i < repeat; i++) {
      process.stderr.write(`bench: ${name} (${i + 1}/${repeat})…\n`);
      runs.push(await measureImpl(name, work));
    }
    measured.push(combine(runs));
  }
  let peer: Measurement | undefined;
  let tuned: Measurement | undefined;
  if (!values['no-peer']) {
    for (const passive of [false, true]) {
      const runs: Measurement[] = [];
      for (let i = 0; i < repeat; i++) {
        process.stderr.write(`bench: pytorch${passive ? ' (OMP_WAIT_POLICY=PASSIVE)' : ''} (${i + 1}/${repeat})…\n`);
        runs.push(await measurePeer(work, passive));
        if (runs[0]!.error && !Object.keys(runs[0]!.results).length) break;
      }
      const m = combine(runs);
      if (passive) tuned = m;
      else peer = m;
      if (m.error && !Object.keys(m.results).length) {
        process.stderr.write(`bench: the PyTorch peer did not run: ${m.error}\n`);
        break;
      }
    }
  }
  const rows = [...measured, ...(peer ? [peer] : []), ...(tuned && Object.keys(tuned.results).length ? [tuned] : [])];
  const loadAfter = loadavg();
  process.stdout.write(`\n${table(rows, peer, tuned)}\n`);
  process.stdout.write(`samples/s, median of ${repeat} run(s); * = partial (stopped after --max-seconds ${values['max-seconds']}: the rate is over what ran); inference batch ${INFER_BATCH}\n`);
  for (const m of rows) if (m.error) process.stdout.write(`${m.runtime}: ${m.error.split('\n')[0]}\n`);
  // The bench's own runtimes keep `threads` cores busy, so the load after a run counts against that much more.
  const busiest = Math.max(loadBefore[0]!, loadAfter[0]! - threads);
  if (busiest > BUSY * cpus().length) {
    process.stdout.write(`warning: load average reached ${busiest.toFixed(2)} on ${cpus().length} cores beyond the bench's own ${threads} thread(s): other work shared the CPU, so these rates (PyTorch's spinning OpenMP threads most of all) are not those of a quiet machine\n`);
  }
  const report = {
    kind: 'mnist-spec/bench',
    suiteVersion: VERSION,
    startedAt: startedAt.toISOString(),
    machine: { ...(await machine()), loadAverageBefore: loadBefore, loadAverageAfter: loadAfter, busy: busiest > BUSY * cpus().length },
    data,
    workload: {
      'mlp-train': 'seed-001 MLP 784-512-512-10 with dropout, RMSprop(lr 0.001), batch 128, one epoch of 60,000',
      'cnn-train': 'seed-004 CNN, Adam(lr 0.01), batch 64, one epoch of 60,000',
      'mlp-infer': `seed-001 MLP, predict 10,000 test images, batch ${INFER_BATCH}`,
      'cnn-infer': `seed-004 CNN, predict 10,000 test images, batch ${INFER_BATCH}`,
    },
    repeat,
    maxSeconds: Number(values['max-seconds']),
    results: rows,
    peer: peer?.runtime,
  };
  await mkdir(values.out!, { recursive: true });
  const file = join(values.out!, `${startedAt.toISOString().slice(0, 10)}.json`);
  await writeFileAtomic(file, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`report: ${file}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}
