import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openBrowserImplementation, type BrowserImplementation } from '../src/browser/page-implementation.js';
import { loadData } from '../src/data/load.js';
import { compareArgmax, compareClose } from '../src/golden/compare.js';
import { GOLDEN_DIR, INPUT_FILE, MODEL_FILE, OUTPUT_FILE, readManifest } from '../src/golden/manifest.js';
import { decodeTensorPb } from '../src/golden/tensor-pb.js';
import type { Implementation, ImplementationInfo } from '../src/impl/interface.js';
import { BROWSER_IMPLEMENTATIONS, loadImplementation } from '../src/impl/registry.js';
import { importOnnx } from '../src/onnx/import.js';
import { getRecipe } from '../src/recipes/index.js';
import { prepareData } from '../src/recipes/inputs.js';
import { sliceRows, type F32Tensor } from '../src/tensor.js';
import type { FitConfig } from '../src/train/config.js';
import { writeFileAtomic } from '../src/util/fs.js';
import { VERSION } from '../src/version.js';

/**
 * `npm run bench:browser`: each browser implementation in headless Chromium, measured against the Node
 * reference (`tfjs`, wasm) in the same run:
 * - agreement: max |Δ| of predict on the golden models and inputs (golden/) against Node tfjs and against
 *   output_0.pb (onnxruntime), with argmax disagreements; and, for the backends that train, max |Δ| of the
 *   weights after a few identical training steps (same seed, data, dropout masks) against Node tfjs;
 * - speed: samples/s of fit (MLP 001, batch 128, RMSprop; CNN 004, batch 64, Adam lr 0.01 — bench/workload.ts)
 *   timed inside the page (the epoch's own seconds, so moving the training set into the page is not counted),
 *   and of predict (batch 128, 10,000 samples) timed through the protocol (moving the tensors over the WebSocket included). Each fit runs about --seconds on as many samples as that
 *   takes at the rate of a first short fit (which also compiles the shaders), within a cap.
 *
 *   npm run bench:browser -- [--impl tfjs-webgl,tfjs-wasm] [--seconds 20] [--data DIR] [--out reports/browser-bench]
 *
 * Default: every browser implementation of the registry (`tfjs-webgl-f16` is tfjs-webgl with WEBGL_FORCE_F16_TEXTURES: WebGL
 * as it computes on a GPU without float32 render targets). `<name>@f16` sets that flag on any TF.js one.
 */
const DEFAULT_IMPLS = BROWSER_IMPLEMENTATIONS.map((s) => s.name);
const { values } = parseArgs({
  options: {
    impl: { type: 'string' },
    seconds: { type: 'string', default: '20' },
    data: { type: 'string' },
    out: { type: 'string', default: resolve('reports', 'browser-bench') },
    'no-speed': { type: 'boolean', default: false },
    'call-timeout': { type: 'string', default: '600' },
  },
});
const impls = values.impl ? values.impl.split(',') : DEFAULT_IMPLS;
const seconds = Number(values.seconds);

const WORKLOADS = {
  mlp: {
    recipe: '001',
    fit: { optimizer: { type: 'rmsprop' }, loss: 'categorical_crossentropy', batchSize: 128, seed: 1 } as Omit<FitConfig, 'epochs'>,
    cap: 15_360,
    min: 1_280,
  },
  cnn: {
    recipe: '004-cnn',
    fit: { optimizer: { type: 'adam', lr: 0.01 }, loss: 'categorical_crossentropy', batchSize: 64, seed: 1 } as Omit<FitConfig, 'epochs'>,
    cap: 6_400,
    min: 640,
  },
} as const;
type Which = keyof typeof WORKLOADS;
/** Training steps compared weight for weight against Node tfjs. */
const AGREEMENT_STEPS = 10;

const log = (s: string): void => void process.stderr.write(s + '\n');
const maxAbs = (a: Float32Array, b: Float32Array): number => compareClose(a, b, { rtol: 0, atol: Infinity }).maxAbs;

const manifest = await readManifest();
const data = await loadData(values.data ? { data: values.data } : {});
const prepared = { mlp: prepareData(getRecipe('001'), data), cnn: prepareData(getRecipe('004-cnn'), data) };

interface GoldenCase {
  id: string;
  imported: ReturnType<typeof importOnnx>;
  input: F32Tensor;
  output: F32Tensor;
  reference?: F32Tensor;
}
const goldens: GoldenCase[] = Object.keys(manifest.recipes).map((id) => {
  const read = (f: string) => new Uint8Array(readFileSync(join(GOLDEN_DIR, id, f)));
  return {
    id,
    imported: importOnnx(read(MODEL_FILE), `golden/${id}/${MODEL_FILE}`),
    input: decodeTensorPb(read(INPUT_FILE), INPUT_FILE).tensor,
    output: decodeTensorPb(read(OUTPUT_FILE), OUTPUT_FILE).tensor,
  };
});

async function goldenPredictions(impl: Implementation): Promise<Record<string, F32Tensor>> {
  const out: Record<string, F32Tensor> = {};
  for (const g of goldens) {
    const m = await impl.build(g.imported.arch, { seed: 1 });
    await m.setWeights(g.imported.weights);
    out[g.id] = await m.predict(g.input, { batchSize: 128 });
    m.dispose();
  }
  return out;
}

/** The weights after AGREEMENT_STEPS identical steps from the same initial weights. */
async function trainedWeights(impl: Implementation, which: Which): Promise<{ weights: Float32Array[]; names: string[]; losses: number[] }> {
  const w = WORKLOADS[which];
  const n = AGREEMENT_STEPS * w.fit.batchSize;
  const m = await impl.build(getRecipe(w.recipe).arch, { seed: 1 });
  const h = await m.fit!(sliceRows(prepared[which].xTrain, 0, n), sliceRows(prepared[which].yTrain, 0, n), { ...w.fit, epochs: 1, shuffle: false });
  const got = await m.getWeights();
  m.dispose();
  return { weights: got.map((x) => x.tensor.data), names: got.map((x) => `${x.layer}/${x.name}`), losses: h.epochs.map((e) => e.loss) };
}

interface Rate {
  samplesPerSecond: number;
  samples: number;
  seconds: number;
}

/** Fit one epoch and return the rate from the epoch's own seconds (measured where the loop runs). */
async function fitRate(impl: Implementation, which: Which, n: number): Promise<Rate> {
  const w = WORKLOADS[which];
  const m = await impl.build(getRecipe(w.recipe).arch, { seed: 1 });
  try {
    const h = await m.fit!(sliceRows(prepared[which].xTrain, 0, n), sliceRows(prepared[which].yTrain, 0, n), { ...w.fit, epochs: 1 });
    const s = h.epochs[0]!.seconds;
    return { samplesPerSecond: n / s, samples: n, seconds: s };
  } finally {
    m.dispose();
  }
}

async function trainSpeed(impl: Implementation, which: Which): Promise<Rate & { warmup: Rate }> {
  const w = WORKLOADS[which];
  const warmup = await fitRate(impl, which, w.min);
  const batches = Math.round((warmup.samplesPerSecond * seconds) / w.fit.batchSize);
  const n = Math.min(w.cap, Math.max(w.min, batches * w.fit.batchSize), prepared[which].xTrain.shape[0]!);
  return { ...(await fitRate(impl, which, n)), warmup };
}

async function predictSpeed(impl: Implementation, which: Which, pageMs: () => number | undefined): Promise<Rate> {
  const m = await impl.build(getRecipe(WORKLOADS[which].recipe).arch, { seed: 1 });
  try {
    const x = prepared[which].xTest;
    await m.predict(sliceRows(x, 0, 128), { batchSize: 128 });
    const n = Math.min(x.shape[0]!, 10_000);
    const t0 = performance.now();
    await m.predict(sliceRows(x, 0, n), { batchSize: 128 });
    const ms = pageMs() ?? performance.now() - t0;
    return { samplesPerSecond: n / (ms / 1000), samples: n, seconds: ms / 1000 };
  } finally {
    m.dispose();
  }
}

interface Row {
  implementation: string;
  info?: ImplementationInfo;
  environment?: BrowserImplementation['environment'];
  bundle?: BrowserImplementation['bundle'];
  golden: Record<string, { maxAbsVsNodeTfjs: number; maxAbsVsOnnxruntime: number; argmaxDisagreements: number; outsideGoldenTolerance: number }>;
  training?: Record<
    Which,
    | { maxAbsWeightsVsNodeTfjs: number; worst: { weight: string; maxAbs: number; relativeToLargest: number }; losses: number[]; lossesNodeTfjs: number[] }
    | { error: string }
  >;
  speed: Partial<Record<'mlpFit' | 'cnnFit' | 'mlpPredict' | 'cnnPredict', (Rate & { warmup?: Rate }) | { error: string }>>;
  error?: string;
}

const errorOf = (e: unknown): { error: string } => ({ error: (e as Error).message.split('\n')[0]!.slice(0, 400) });

async function measure(
  label: string,
  impl: Implementation,
  pageMs: () => number | undefined,
  reference: Awaited<ReturnType<typeof referenceRun>> | undefined,
): Promise<Row> {
  const row: Row = { implementation: label, golden: {}, speed: {} };
  row.info = await impl.info();
  log(`${label}: ${row.info.backend} ${row.info.precision ?? 'float32'}`);
  const preds = await goldenPredictions(impl);
  const tol = manifest.recipes[goldens[0]!.id]!.tolerances;
  for (const g of goldens) {
    const p = preds[g.id]!;
    row.golden[g.id] = {
      maxAbsVsNodeTfjs: reference ? maxAbs(p.data, reference.golden[g.id]!.data) : 0,
      maxAbsVsOnnxruntime: maxAbs(p.data, g.output.data),
      argmaxDisagreements: compareArgmax(p.data, g.output.data, 10, tol.argmax.minMargin).disagreements.length,
      outsideGoldenTolerance: compareClose(p.data, g.output.data, tol.implementations).outside,
    };
  }
  if (impl.capabilities.train && reference) {
    row.training = {} as Row['training'];
    for (const which of ['mlp', 'cnn'] as const) {
      try {
        const t = await trainedWeights(impl, which);
        const r = reference.training[which];
        const per = t.weights.map((w, i) => ({
          weight: t.names[i]!,
          maxAbs: maxAbs(w, r.weights[i]!),
          relativeToLargest: maxAbs(w, r.weights[i]!) / r.weights[i]!.reduce((m, v) => Math.max(m, Math.abs(v)), 0),
        }));
        // The worst relative to the weight's own scale: batch-norm moving variances are large, kernels small.
        const worst = per.reduce((a, b) => (!(b.relativeToLargest <= a.relativeToLargest) ? b : a));
        row.training![which] = { maxAbsWeightsVsNodeTfjs: Math.max(...per.map((p) => p.maxAbs)), worst, losses: t.losses, lossesNodeTfjs: r.losses };
      } catch (e) {
        row.training![which] = errorOf(e);
      }
    }
  }
  if (!values['no-speed']) {
    for (const which of ['mlp', 'cnn'] as const) {
      if (impl.capabilities.train) {
        log(`${label}: ${which} fit`);
        row.speed[`${which}Fit`] = await trainSpeed(impl, which).catch(errorOf);
      }
      log(`${label}: ${which} predict`);
      row.speed[`${which}Predict`] = await predictSpeed(impl, which, pageMs).catch(errorOf);
    }
  }
  return row;
}

async function referenceRun(impl: Implementation) {
  return {
    golden: await goldenPredictions(impl),
    training: { mlp: await trainedWeights(impl, 'mlp'), cnn: await trainedWeights(impl, 'cnn') },
  };
}

const started = new Date();
const load0 = loadavg()[0]!;
const nodeTfjs = await loadImplementation('tfjs');
const reference = await referenceRun(nodeTfjs);
const rows: Row[] = [await measure('tfjs (Node, reference)', nodeTfjs, () => undefined, reference)];

for (const label of impls) {
  const [name, variant] = label.split('@') as [string, string | undefined];
  let impl: BrowserImplementation | undefined;
  try {
    // Software WebGL/WebGPU on a busy machine: one CNN predict can take minutes (heartbeats keep the call alive).
    const callTimeoutMs = Number(values['call-timeout']) * 1000;
    impl = await openBrowserImplementation(name, variant === 'f16' ? { tfjsFlags: { WEBGL_FORCE_F16_TEXTURES: true }, callTimeoutMs } : { callTimeoutMs });
    const row = await measure(label, impl, () => undefined, reference);
    row.environment = impl.environment;
    row.bundle = impl.bundle;
    rows.push(row);
  } catch (e) {
    log(`${label}: ${(e as Error).message}`);
    rows.push({ implementation: label, golden: {}, speed: {}, error: errorOf(e).error });
  } finally {
    await impl?.close();
  }
}

const fmtRate = (r: Row['speed'][keyof Row['speed']]): string =>
  !r ? '—' : 'error' in r ? `error: ${r.error.slice(0, 60)}` : `${Math.round(r.samplesPerSecond).toLocaleString('en-US')} (${r.samples})`;
const fmtE = (v: number): string => (v === 0 ? '0' : v.toExponential(1));
const md = [
  `# Browser implementations: agreement and speed (${started.toISOString().slice(0, 10)})`,
  '',
  `mnist-spec ${VERSION}; ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}; load average ${load0.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end; data: ${data.provenance.source}. ` +
    `Browser: ${rows.find((r) => r.environment)?.environment?.browserVersion ?? '?'}; WebGL renderer: ${rows.find((r) => r.environment)?.environment?.webgl?.renderer ?? '?'}.`,
  '',
  '| implementation | backend | precision | golden max \\|Δ\\| vs Node tfjs | vs onnxruntime (output_0.pb) | argmax ≠ | outside golden tol. | weights max \\|Δ\\| after 10 steps MLP / CNN | fit MLP samples/s | fit CNN samples/s | predict MLP /s | predict CNN /s |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => {
    if (r.error) return `| ${r.implementation} | — | — | ${r.error} | | | | | | | | |`;
    const g = Object.values(r.golden);
    const tr = (w: Which) => {
      const t = r.training?.[w];
      return !t
        ? '—'
        : 'error' in t
          ? `error: ${t.error.slice(0, 60)}`
          : `${fmtE(t.maxAbsWeightsVsNodeTfjs)} (worst ${t.worst.weight}: ${fmtE(t.worst.relativeToLargest)} of its largest)`;
    };
    return `| ${r.implementation} | ${r.info?.backend} | ${r.info?.precision ?? 'float32'} | ${fmtE(Math.max(...g.map((x) => x.maxAbsVsNodeTfjs)))} | ${fmtE(Math.max(...g.map((x) => x.maxAbsVsOnnxruntime)))} | ${g.reduce((s, x) => s + x.argmaxDisagreements, 0)} | ${g.reduce((s, x) => s + x.outsideGoldenTolerance, 0)} | ${tr('mlp')} / ${tr('cnn')} | ${fmtRate(r.speed.mlpFit)} | ${fmtRate(r.speed.cnnFit)} | ${fmtRate(r.speed.mlpPredict)} | ${fmtRate(r.speed.cnnPredict)} |`;
  }),
  '',
  'Golden: the six golden models (golden/) on their 114 inputs, predict batch 128; max |Δ| over every recipe. Samples/s in parentheses: samples timed.',
  '',
].join('\n');

await mkdir(values.out!, { recursive: true });
const stamp = started.toISOString().slice(0, 10);
await writeFileAtomic(
  join(values.out!, `${stamp}.json`),
  JSON.stringify(
    { kind: 'mnist-spec/browser-bench', suiteVersion: VERSION, started: started.toISOString(), loadavg: [load0, loadavg()[0]], seconds, rows },
    null,
    2,
  ) + '\n',
);
await writeFileAtomic(join(values.out!, `${stamp}.md`), md);
process.stdout.write(md + '\n');
