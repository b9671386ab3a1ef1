import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveArchitecture } from '../src/arch/resolve.js';
import { initialWeights } from '../src/arch/init.js';
import { resolveOptimizer } from '../src/train/config.js';
import { Rng } from '../src/util/rng.js';
import { sliceRows } from '../src/tensor.js';
import { readBenchData, tensorOf, workload, INFER_BATCH } from './workload.js';

/**
 * `npm run bench:profile`: where the engine's time goes, per operator. Runs `--steps` training steps (and
 * inference batches) of the bench's two models with onnxruntime's profiler on (MNIST_SPEC_ENGINE_PROFILE),
 * drops the warm-up runs and prints the kernel time per operator type, per layer and phase (node names are
 * `layer/phase/Op_n`, set by the engine's graph builder), and the heaviest nodes, against the step's wall time.
 *
 *   npm run bench:profile -- [--model mlp|cnn|both] [--steps 60] [--warmup 5] [--top 15] [--data DIR] [--infer] [--stat mean|min]
 *
 * Data: the bench's raw files (bench/run.ts writes them into a work directory; `--data` names one), else
 * random pixels: operator times do not depend on which digits.
 */
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'both' },
    steps: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '5' },
    top: { type: 'string', default: '15' },
    data: { type: 'string' },
    infer: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    stat: { type: 'string', default: 'mean' },
  },
});
const steps = Number(values.steps);
const warmup = Number(values.warmup);
const top = Number(values.top);
/**
 * 'mean': each node's mean duration over the runs; 'min': its shortest, the time it takes when no other
 * process preempts it (on a shared machine the means carry the other users' load, the minima much less).
 */
const stat = values.stat === 'min' ? 'min' : 'mean';

interface TraceEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string };
}

export interface Profile {
  model: string;
  kind: 'train' | 'infer';
  batch: number;
  runs: number;
  /** Mean wall time of one step as the host sees it (session.run and the host's work around it), ms. */
  stepMs: number;
  /** Mean of onnxruntime's model_run, ms. */
  runMs: number;
  /** Mean summed kernel time, ms. */
  kernelMs: number;
  byOp: { op: string; ms: number; share: number; nodes: number }[];
  byPhase: { phase: string; ms: number; share: number }[];
  topNodes: { node: string; op: string; ms: number; share: number }[];
}

function summarize(model: string, kind: 'train' | 'infer', batch: number, events: TraceEvent[], wallMs: number[]): Profile {
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const kept = runs.slice(warmup);
  const from = kept[0]?.ts ?? 0;
  let nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.ts >= from);
  let n = kept.length;
  if (stat === 'min') {
    // One event per node: its shortest run, as if there had been one run.
    const best = new Map<string, TraceEvent>();
    for (const e of nodes) if (!best.has(e.name) || e.dur < best.get(e.name)!.dur) best.set(e.name, e);
    nodes = [...best.values()];
    n = 1;
  }
  const kernel = nodes.reduce((s, e) => s + e.dur, 0) / 1000 / n;
  const group = (key: (e: TraceEvent) => string) => {
    const m = new Map<string, { us: number; names: Set<string> }>();
    for (const e of nodes) {
      const k = key(e);
      const v = m.get(k) ?? { us: 0, names: new Set() };
      v.us += e.dur;
      v.names.add(e.name);
      m.set(k, v);
    }
    return [...m.entries()]
      .map(([k, v]) => ({ key: k, ms: v.us / 1000 / n, share: v.us / 1000 / n / kernel, nodes: v.names.size }))
      .sort((a, b) => b.ms - a.ms);
  };
  const nodeName = (e: TraceEvent) => e.name.replace(/_kernel_time$/, '');
  const phase = (e: TraceEvent) => {
    const parts = nodeName(e).split('/');
    return parts.length >= 3 ? `${parts[0]}/${parts[1]}` : parts.length === 2 ? parts[0]! : '(fused or unnamed)';
  };
  const opOf = new Map(nodes.map((e) => [nodeName(e), e.args?.op_name ?? '?']));
  const wall = stat === 'min' ? [Math.min(...wallMs.slice(warmup))] : wallMs.slice(warmup);
  return {
    model,
    kind,
    batch,
    runs: kept.length,
    stepMs: wall.reduce((a, b) => a + b, 0) / wall.length,
    runMs: stat === 'min' ? Math.min(...kept.map((e) => e.dur)) / 1000 : kept.reduce((s, e) => s + e.dur, 0) / 1000 / kept.length,
    kernelMs: kernel,
    byOp: group((e) => e.args?.op_name ?? '?').map(({ key, ms, share, nodes }) => ({ op: key, ms, share, nodes })),
    byPhase: group(phase).map(({ key, ms, share }) => ({ phase: key, ms, share })),
    topNodes: group(nodeName)
      .slice(0, top)
      .map(({ key, ms, share }) => ({ node: key, op: opOf.get(key) ?? '?', ms, share })),
  };
}

async function traced<T>(fn: () => Promise<T>): Promise<{ result: T; events: TraceEvent[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'mnist-spec-profile-'));
  process.env.MNIST_SPEC_ENGINE_PROFILE = join(dir, 'trace');
  try {
    const result = await fn();
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    const events: TraceEvent[] = [];
    for (const f of files) events.push(...(JSON.parse(await readFile(join(dir, f), 'utf8')) as TraceEvent[]));
    return { result, events };
  } finally {
    delete process.env.MNIST_SPEC_ENGINE_PROFILE;
    await rm(dir, { recursive: true, force: true });
  }
}

async function profileTraining(which: 'mlp' | 'cnn', x: Float32Array, y: Float32Array): Promise<Profile> {
  const { compileStep, Trainer } = await import('../src/impl/engine/train.js');
  const w = workload(which);
  const resolved = resolveArchitecture(w.arch);
  const opt = resolveOptimizer(w.fit.optimizer);
  const batch = w.fit.batchSize;
  const { result: wall, events } = await traced(async () => {
    const compiled = await compileStep(resolved, w.fit.loss);
    const target = { weights: initialWeights(resolved, 1).map((t) => t.data), debias: new Map() };
    const trainer = new Trainer(compiled, opt, w.fit.loss, target, 10);
    const xs = tensorOf(x, w.inputShape);
    const ys = tensorOf(y, [10]);
    const dropoutRng = new Rng(2);
    const times: number[] = [];
    const n = xs.shape[0]!;
    for (let i = 0; i < warmup + steps; i++) {
      const start = ((i * batch) % (n - batch)) | 0;
      const t0 = performance.now();
      await trainer.step(sliceRows(xs, start, start + batch), sliceRows(ys, start, start + batch), { epoch: 0, batch: i, iteration: i, dropoutRng });
      times.push(performance.now() - t0);
    }
    trainer.close();
    await compiled.session.endProfiling();
    await compiled.session.release();
    return times;
  });
  return summarize(which, 'train', batch, events, wall);
}

async function profileInference(which: 'mlp' | 'cnn', x: Float32Array): Promise<Profile> {
  const { createSession, f32Tensor } = await import('../src/impl/engine/session.js');
  const { buildInferenceGraph, X, PROBS } = await import('../src/impl/engine/program.js');
  const w = workload(which);
  const resolved = resolveArchitecture(w.arch);
  const { result: wall, events } = await traced(async () => {
    // As predict runs it: the weights frozen into the graph.
    const session = await createSession(
      buildInferenceGraph(
        resolved,
        initialWeights(resolved, 1).map((t) => t.data),
      ),
    );
    const feeds: Record<string, ReturnType<typeof f32Tensor>> = {};
    const xs = tensorOf(x, w.inputShape);
    const out = f32Tensor(new Float32Array(INFER_BATCH * 10), [INFER_BATCH, 10]);
    const times: number[] = [];
    const n = xs.shape[0]!;
    for (let i = 0; i < warmup + steps; i++) {
      const start = ((i * INFER_BATCH) % (n - INFER_BATCH)) | 0;
      const rows = sliceRows(xs, start, start + INFER_BATCH);
      const t0 = performance.now();
      feeds[X] = f32Tensor(rows.data, rows.shape);
      await session.run(feeds, { [PROBS]: out });
      times.push(performance.now() - t0);
    }
    await session.endProfiling();
    await session.release();
    return times;
  });
  return summarize(which, 'infer', INFER_BATCH, events, wall);
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const ms = (v: number) => v.toFixed(3);

export function renderProfile(p: Profile): string {
  const lines = [
    `### ${p.model} ${p.kind === 'train' ? 'training step' : 'inference'} (batch ${p.batch}, ${p.runs} runs; per node its ${stat === 'min' ? 'shortest run' : 'mean'})`,
    '',
    `step ${ms(p.stepMs)} ms as the host sees it (${stat === 'min' ? 'shortest' : 'mean'}); onnxruntime's run ${ms(p.runMs)} ms; kernels ${ms(p.kernelMs)} ms`,
    '',
    '| operator | nodes | ms | share of kernel time |',
    '| --- | ---: | ---: | ---: |',
    ...p.byOp.map((o) => `| ${o.op} | ${o.nodes} | ${ms(o.ms)} | ${pct(o.share)} |`),
    '',
    '| layer / phase | ms | share |',
    '| --- | ---: | ---: |',
    ...p.byPhase.map((o) => `| ${o.phase} | ${ms(o.ms)} | ${pct(o.share)} |`),
    '',
    `| heaviest nodes | operator | ms | share |`,
    '| --- | --- | ---: | ---: |',
    ...p.topNodes.map((o) => `| \`${o.node}\` | ${o.op} | ${ms(o.ms)} | ${pct(o.share)} |`),
    '',
  ];
  return lines.join('\n');
}

function randomData(): { xTrain: Float32Array; yTrain: Float32Array; xTest: Float32Array } {
  const rng = new Rng(7);
  const n = 4096;
  const x = new Float32Array(n * 784).map(() => rng.float());
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + rng.int(0, 9)] = 1;
  return { xTrain: x, yTrain: y, xTest: x };
}

const data = values.data ? await readBenchData(values.data) : randomData();
const models = values.model === 'both' ? (['mlp', 'cnn'] as const) : ([values.model as 'mlp' | 'cnn'] as const);
const profiles: Profile[] = [];
for (const m of models) {
  profiles.push(await profileTraining(m, data.xTrain, data.yTrain));
  if (values.infer) profiles.push(await profileInference(m, data.xTest));
}
process.stdout.write(values.json ? JSON.stringify(profiles, null, 2) + '\n' : profiles.map(renderProfile).join('\n'));
