/**
 * The process protocol's own cost (npm run bench:protocol): not a test, a measurement.
 *
 *   round trip   `info` requests answered by the other side (nothing computed): median and p90 per call
 *   predict      of 1 sample and of 10,000 × 784 float32 (31.4 MB out, 0.4 MB back) on Dense(10, softmax),
 *                a model so small that what is timed is the protocol: encode, pipe, decode, chunking, reply
 *   pytorch      on seed 001's MLP: the same 10,000-row predict, and one epoch of fit on those rows (RMSprop,
 *                batch 128: a progress message per batch), through the protocol and in the Python process alone
 *
 * for the Python client (the NumPy example), and for a TypeScript server (serve-stdio with examples/plain-ts).
 * Writes reports/protocol-bench/<date>.json. Check `uptime` first: the machine is shared.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Architecture } from '../src/arch/types.js';
import type { Implementation } from '../src/impl/interface.js';
import { pytorchCommand } from '../src/impl/pytorch/index.js';
import { execImplementation } from '../src/impl/remote/exec.js';
import { getRecipe } from '../src/recipes/index.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PYTHON = process.env.MNIST_SPEC_PYTHON ?? '/usr/bin/python3';
const ROWS = 10_000;
const TINY: Architecture = { kind: 'sequential', inputShape: [784], layers: [{ type: 'Dense', units: 10, activation: 'softmax' }] };

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const round = (v: number, digits = 3): number => Number(v.toPrecision(digits));

async function time(fn: () => Promise<unknown>, repeat: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

function inputs(rows: number): { shape: number[]; data: Float32Array } {
  const data = new Float32Array(rows * 784);
  for (let i = 0; i < data.length; i++) data[i] = (i % 255) / 255;
  return { shape: [rows, 784], data };
}

async function measure(label: string, impl: Implementation): Promise<Record<string, unknown>> {
  await time(() => impl.info(), 50); // warm-up
  const rt = await time(() => impl.info(), 2000);
  const model = await impl.build(TINY, { seed: 1 });
  const one = inputs(1);
  await time(() => model.predict(one), 50);
  const single = await time(() => model.predict(one), 1000);
  const big = inputs(ROWS);
  await model.predict(big, { batchSize: 1000 });
  const bulk = await time(() => model.predict(big, { batchSize: 1000 }), 10);
  model.dispose();
  const mb = (ROWS * 784 * 4 + ROWS * 10 * 4) / 1e6;
  const r = {
    label,
    roundTripMicros: { median: round(quantile(rt, 0.5) * 1000), p90: round(quantile(rt, 0.9) * 1000) },
    predict1RowMicros: { median: round(quantile(single, 0.5) * 1000), p90: round(quantile(single, 0.9) * 1000) },
    predict10kx784: { medianMs: round(quantile(bulk, 0.5)), minMs: round(Math.min(...bulk)), megabytesPerSecond: round(mb / (quantile(bulk, 0.5) / 1000)) },
  };
  process.stderr.write(`${JSON.stringify(r)}\n`);
  return r;
}

async function main(): Promise<void> {
  const load = loadavg()[0]!;
  process.stderr.write(`load average ${load.toFixed(2)} (shared machine: numbers scale with it)\n`);
  const results: Record<string, unknown>[] = [];

  const numpy = await execImplementation(`exec:${PYTHON} ${join(ROOT, 'examples/numpy-mlp/numpy_mlp.py')}`);
  results.push(await measure('python client (numpy example)', numpy));
  await numpy.close();

  const node = await execImplementation({
    argv: [process.execPath, '--import', 'tsx', join(ROOT, 'src/impl/remote/serve-stdio.ts'), join(ROOT, 'examples/plain-ts/index.ts')],
    env: {},
    name: 'serve-stdio',
  });
  results.push(await measure('typescript server (serve-stdio, plain-ts)', node));
  await node.close();

  // The 001 MLP in PyTorch: through the protocol, and the same predict timed inside Python.
  const { argv, env } = pytorchCommand('keras');
  const torch = await execImplementation({ argv, env, name: 'pytorch' });
  const mlp = await torch.build(getRecipe('001').arch, { seed: 1 });
  const big = inputs(ROWS);
  await mlp.predict(big, { batchSize: 1000 });
  const through = await time(() => mlp.predict(big, { batchSize: 1000 }), 10);
  const labels = new Float32Array(ROWS * 10);
  for (let i = 0; i < ROWS; i++) labels[i * 10 + (i % 10)] = 1;
  const fitConfig = { optimizer: { type: 'rmsprop' as const }, loss: 'categorical_crossentropy' as const, batchSize: 128, epochs: 1, seed: 1 };
  await mlp.fit!(big, { shape: [ROWS, 10], data: labels }, fitConfig);
  const fitThrough = await time(() => mlp.fit!(big, { shape: [ROWS, 10], data: labels }, fitConfig), 5);
  const threads = (await torch.info()).details?.threads;
  mlp.dispose();
  await torch.close();
  const inside = spawnSync(
    PYTHON,
    [
      '-c',
      `import sys, time, numpy as np, torch
sys.path[:0] = ['${join(ROOT, 'src/impl/pytorch')}', '${join(ROOT, 'clients/python')}']
import mnist_spec_pytorch as m
from mnist_spec_client import Architecture
def dense(n, i, o, a): return {'type': 'Dense', 'units': o, 'activation': a, 'name': n, 'inputShape': [i], 'outputShape': [o], 'weights': [{'name': 'kernel', 'shape': [i, o], 'trainable': True}, {'name': 'bias', 'shape': [o], 'trainable': True}]}
def drop(n, k): return {'type': 'Dropout', 'rate': 0.2, 'name': n, 'inputShape': [k], 'outputShape': [k], 'weights': []}
arch = Architecture({'kind': 'sequential', 'inputShape': [784], 'outputShape': [10], 'layers': [dense('d1', 784, 512, 'relu'), drop('r1', 512), dense('d2', 512, 512, 'relu'), drop('r2', 512), dense('d3', 512, 10, 'softmax')]})
model = m.TorchImplementation('keras').build(arch, 1)
x = (np.arange(${ROWS} * 784, dtype=np.float32) % 255 / 255).reshape(${ROWS}, 784).astype(np.float32)
model.predict(x, 1000)
ts = []
for _ in range(10):
    t = time.perf_counter(); model.predict(x, 1000); ts.append(time.perf_counter() - t)
y = np.zeros((${ROWS}, 10), np.float32); y[np.arange(${ROWS}), np.arange(${ROWS}) % 10] = 1
class Quiet:
    def batch(self, *a): pass
    def epoch(self, *a): pass
config = {'optimizer': {'type': 'rmsprop'}, 'loss': 'categorical_crossentropy', 'batchSize': 128, 'epochs': 1, 'seed': 1}
model.fit(x, y, config, Quiet())
fs = []
for _ in range(5):
    t = time.perf_counter(); model.fit(x, y, config, Quiet()); fs.append(time.perf_counter() - t)
print(sorted(ts)[5] * 1000, sorted(fs)[2] * 1000)`,
    ],
    { encoding: 'utf8', env: { ...process.env, ...env } },
  );
  const [insideMs, insideFitMs] = inside.stdout.trim().split(/\s+/).map(Number) as [number, number];
  const torchResult = {
    label: 'pytorch, seed 001 MLP, 10,000 × 784',
    threads,
    predict: {
      throughProtocolMedianMs: round(quantile(through, 0.5)),
      insidePythonMedianMs: round(insideMs),
      overheadMs: round(quantile(through, 0.5) - insideMs),
    },
    fitOneEpochBatch128: {
      throughProtocolMedianMs: round(quantile(fitThrough, 0.5)),
      insidePythonMedianMs: round(insideFitMs),
      overheadMs: round(quantile(fitThrough, 0.5) - insideFitMs),
    },
  };
  process.stderr.write(`${JSON.stringify(torchResult)}\n`);
  results.push(torchResult);

  const report = { kind: 'mnist-spec/protocol-bench', date: new Date().toISOString(), loadAverage1m: round(load), node: process.version, results };
  const dir = join(ROOT, 'reports', 'protocol-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.date.slice(0, 10)}.json`);
  writeFileSync(file, JSON.stringify(report, null, 1) + '\n');
  process.stdout.write(`${JSON.stringify(report, null, 1)}\nwritten: ${file}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
