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
import {
  bestPeerOf,
  consoleTables,
  PEER_SEMANTICS,
  peerName,
  type BenchReport,
  type Combined,
  type Peak,
  type PeerConfig,
  type PeerSemantics,
} from './report.js';
import {
  DATA_FILES,
  flopsPerSample,
  INFER_BATCH,
  peerWorkload,
  TASKS,
  TEST_SAMPLES,
  TRAIN_SAMPLES,
  workload,
  type Measurement,
  type Task,
} from './workload.js';

/**
 * `npm run bench`: training and inference throughput of every shipped implementation and of the PyTorch
 * peer, on the same data and machine, each runtime in a process of its own (so its peak memory is its
 * own). Prints the rates, each implementation's ratio to the fastest PyTorch configuration of the run, and
 * GFLOP/s against the machine's peak; writes reports/bench/<date>.json.
 *
 *   npm run bench -- [--impl engine,tfjs] [--repeat 3] [--max-seconds 120] [--data DIR] [--no-peer]
 *                    [--peer-configs 1:PASSIVE,2:installed:pytorch-defaults] [--no-peak] [--quick] [--out DIR]
 *
 * Data: the full MNIST set when it can be found (--data, MNIST_DIR, the Keras cache); otherwise the
 * embedded digits repeated up to 60,000 / 10,000 samples (said in the report): throughput does not depend
 * on which digits. The peer is the shipped `pytorch` implementation (src/impl/pytorch, on Debian's python3-torch
 * with /usr/bin/python3) timed in-process by bench/peer_pytorch.py — the code the suite judges — in both its
 * forms (Keras's semantics, and PyTorch's own defaults: torch.optim and the fused cross-entropy), each in every
 * configuration of thread count (1 and --threads) × OMP_WAIT_POLICY (as installed, PASSIVE, ACTIVE): as
 * installed, its OpenMP threads spin against OpenBLAS's own and it runs several times slower than it can. Per task, the
 * fastest configuration is the peer the ratios are taken against. Repeats go round every runtime in turn,
 * so a change in the machine's load falls on all of them alike. `--quick`: a fifth of the samples, one
 * repeat, for development (its ratios are indicative only: the first batches include warm-up).
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
    repeat: { type: 'string' },
    'max-seconds': { type: 'string', default: '120' },
    data: { type: 'string' },
    'no-peer': { type: 'boolean', default: false },
    'peer-configs': { type: 'string' },
    'no-peak': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'reports', 'bench') },
    threads: { type: 'string' },
  },
});
const impls = values.impl ? values.impl.split(',') : withRole('bench');
const repeat = Math.max(1, Number(values.repeat ?? 1));
const threads = Number(values.threads ?? cpus().length);
const trainSamples = values.quick ? TRAIN_SAMPLES / 5 : TRAIN_SAMPLES;
const testSamples = values.quick ? TEST_SAMPLES / 5 : TEST_SAMPLES;
const sampleArgs = values.quick ? ['--train-samples', String(trainSamples), '--test-samples', String(testSamples)] : [];

function peerConfigs(): PeerConfig[] {
  if (values['peer-configs']) {
    return values['peer-configs'].split(',').map((c) => {
      const [t, p, sem] = c.split(':');
      const n = Number(t);
      const policy = (p ?? 'installed').toUpperCase();
      const semantics = (sem ?? 'keras') as PeerSemantics;
      if (!Number.isInteger(n) || n < 1 || !['INSTALLED', 'PASSIVE', 'ACTIVE'].includes(policy) || !PEER_SEMANTICS.includes(semantics)) {
        process.stderr.write(`bench: --peer-configs: "${c}" is not THREADS:installed|PASSIVE|ACTIVE[:keras|pytorch-defaults]\n`);
        process.exit(2);
      }
      return { threads: n, semantics, ...(policy === 'INSTALLED' ? {} : { waitPolicy: policy as 'PASSIVE' | 'ACTIVE' }) };
    });
  }
  // Every thread count × OMP_WAIT_POLICY, for both forms of the shipped implementation: the peer is the fastest.
  const counts = [...new Set([1, threads])];
  return PEER_SEMANTICS.flatMap((semantics) =>
    counts.flatMap((t) => [undefined, 'PASSIVE', 'ACTIVE'].map((p) => ({ threads: t, semantics, ...(p ? { waitPolicy: p as 'PASSIVE' | 'ACTIVE' } : {}) }))),
  );
}

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

function lastJson<T = Measurement>(stdout: string): T | undefined {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  return line ? (JSON.parse(line) as T) : undefined;
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
  await writeFile(join(dir, DATA_FILES.workload), JSON.stringify(peerWorkload()));
  const { source, location, canonical, counts } = data.provenance;
  return { source, location, canonical, counts, repeatedToFill: counts.train < TRAIN_SAMPLES || counts.test < TEST_SAMPLES };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Combine repeated measurements of one runtime: the median rate per task, the largest peak memory. */
function combine(runs: Measurement[], peerConfig?: PeerConfig): Combined {
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
  return {
    ...first,
    results,
    maxRssBytes: Math.max(...runs.map((r) => r.maxRssBytes)),
    runs: runs.length,
    samples,
    ...(peerConfig ? { peerConfig } : {}),
    ...(error ? { error } : {}),
  };
}

async function measureImpl(name: string, dir: string): Promise<Measurement> {
  const args = ['--import', 'tsx', join(here, 'measure.ts'), '--impl', name, '--data', dir, '--max-seconds', values['max-seconds']!, ...sampleArgs];
  const env = { ...process.env, MNIST_SPEC_ENGINE_THREADS: String(threads) };
  const r = await run(process.execPath, args, env);
  return lastJson(r.stdout) ?? { runtime: name, results: {}, maxRssBytes: 0, error: `exit ${r.code}: ${r.stderr.slice(-2000)}` };
}

async function measurePeer(dir: string, config: PeerConfig): Promise<Measurement> {
  const name = peerName(config);
  if (!existsSync(PYTHON)) return { runtime: name, results: {}, maxRssBytes: 0, error: `${PYTHON} not found; install the peer with: ${INSTALL_TORCH}` };
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (config.waitPolicy) env.OMP_WAIT_POLICY = config.waitPolicy;
  else delete env.OMP_WAIT_POLICY;
  const args = [
    join(here, 'peer_pytorch.py'),
    '--data',
    dir,
    '--threads',
    String(config.threads),
    '--semantics',
    config.semantics ?? 'keras',
    '--max-seconds',
    values['max-seconds']!,
    '--infer-batch',
    String(INFER_BATCH),
    ...sampleArgs,
  ];
  const r = await run(PYTHON, args, env);
  const m = lastJson(r.stdout) ?? { runtime: name, results: {}, maxRssBytes: 0, error: `exit ${r.code}: ${r.stderr.slice(-2000)}` };
  m.runtime = name;
  if (m.error?.startsWith('ImportError')) m.error += `; install the peer with: ${INSTALL_TORCH}`;
  return m;
}

async function measurePeak(): Promise<Peak | undefined> {
  const r = await run(process.execPath, ['--import', 'tsx', join(here, 'peak.ts'), '--threads', String(threads)], process.env);
  const peak = lastJson<Peak>(r.stdout);
  if (!peak) process.stderr.write(`bench: the peak measurement failed: ${r.stderr.slice(-500)}\n`);
  return peak;
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

const work = await mkdtemp(join(tmpdir(), 'mnist-spec-bench-'));
try {
  const startedAt = new Date();
  const loadBefore = loadavg();
  const data = await prepareData(work);
  process.stderr.write(
    `bench: data ${data.source}${data.repeatedToFill ? ' (repeated to 60,000 / 10,000)' : ''}${values.quick ? `; --quick: ${trainSamples} / ${testSamples} samples` : ''}; ${threads} thread(s); load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}\n`,
  );
  if (loadBefore[0]! > BUSY * cpus().length)
    process.stderr.write(
      `bench: warning: the machine is busy (load ${loadBefore[0]!.toFixed(2)} on ${cpus().length} cores); numbers will not compare with a quiet run\n`,
    );
  const peak = values['no-peak'] ? undefined : await measurePeak();
  if (peak)
    process.stderr.write(
      `bench: peak ${'peakGflops' in peak.fma ? `${peak.fma.peakGflops.toFixed(0)} GFLOP/s (FMA)` : peak.fma.error}; SGEMM ${peak.sgemm.gflops.toFixed(0)} GFLOP/s\n`,
    );
  const configs = values['no-peer'] ? [] : peerConfigs();
  const runs = new Map<string, Measurement[]>();
  let peerMissing = false;
  for (let i = 0; i < repeat; i++) {
    for (const name of impls) {
      process.stderr.write(`bench: ${name} (${i + 1}/${repeat})…\n`);
      runs.set(name, [...(runs.get(name) ?? []), await measureImpl(name, work)]);
    }
    for (const config of peerMissing ? [] : configs) {
      const name = peerName(config);
      process.stderr.write(`bench: ${name} (${i + 1}/${repeat})…\n`);
      const m = await measurePeer(work, config);
      runs.set(name, [...(runs.get(name) ?? []), m]);
      if (m.error && !Object.keys(m.results).length) {
        process.stderr.write(`bench: the PyTorch peer did not run: ${m.error}\n`);
        peerMissing = true;
        break;
      }
    }
  }
  const results: Combined[] = [
    ...impls.map((name) => combine(runs.get(name)!)),
    ...configs.filter((c) => runs.has(peerName(c))).map((c) => combine(runs.get(peerName(c))!, c)),
  ];
  const loadAfter = loadavg();
  // The bench's own runtimes keep `threads` cores busy, so the load after a run counts against that much more.
  const busiest = Math.max(loadBefore[0]!, loadAfter[0]! - threads);
  const flops = Object.fromEntries(
    TASKS.map((t) => [t, flopsPerSample(workload(t.split('-')[0] as 'mlp' | 'cnn').arch, t.endsWith('train') ? 'train' : 'infer')]),
  ) as Record<Task, number>;
  const report: BenchReport = {
    kind: 'mnist-spec/bench',
    schemaVersion: 2,
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
    samples: { train: trainSamples, test: testSamples },
    repeat,
    maxSeconds: Number(values['max-seconds']),
    flopsPerSample: flops,
    ...(peak ? { peak } : {}),
    results,
    bestPeer: bestPeerOf(results),
  };
  process.stdout.write(`\n${consoleTables(report)}\n`);
  process.stdout.write(
    `samples/s, median of ${repeat} run(s); * = partial (stopped after --max-seconds ${values['max-seconds']}: the rate is over what ran); inference batch ${INFER_BATCH}\n`,
  );
  for (const m of results) if (m.error) process.stdout.write(`${m.runtime}: ${m.error.split('\n')[0]}\n`);
  if (report.machine.busy) {
    process.stdout.write(
      `warning: load average reached ${busiest.toFixed(2)} on ${cpus().length} cores beyond the bench's own ${threads} thread(s): other work shared the CPU, so these rates (PyTorch's spinning OpenMP threads most of all) are not those of a quiet machine\n`,
    );
  }
  await mkdir(values.out!, { recursive: true });
  const file = join(values.out!, `${startedAt.toISOString().slice(0, 10)}${values.quick ? '-quick' : ''}.json`);
  await writeFileAtomic(file, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`report: ${file}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}
