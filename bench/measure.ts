import { parseArgs } from 'node:util';
import type { Implementation, Model } from '../src/impl/interface.js';
import { loadImplementation } from '../src/impl/registry.js';
import { sliceRows } from '../src/tensor.js';
import { INFER_BATCH, readBenchData, TASKS, tensorOf, workload, type Measurement, type Task } from './workload.js';

/**
 * One runtime's measurements, in a process of its own so that its peak resident memory is its own:
 * `node --import tsx bench/measure.ts --impl NAME --data WORKDIR [--tasks ...] [--max-seconds S]`.
 * Prints one JSON line (a Measurement). Training stops early, and says so, when an epoch would take
 * longer than --max-seconds (the slow reference backends); the rate is then over the batches that ran.
 */
class Budget extends Error {}

const { values } = parseArgs({
  options: {
    impl: { type: 'string' },
    data: { type: 'string' },
    tasks: { type: 'string', default: TASKS.join(',') },
    'max-seconds': { type: 'string', default: '120' },
    'train-samples': { type: 'string', default: '0' },
    'test-samples': { type: 'string', default: '0' },
  },
});
const maxSeconds = Number(values['max-seconds']);
const tasks = values.tasks!.split(',') as Task[];

async function train(impl: Implementation, which: 'mlp' | 'cnn', x: Float32Array, y: Float32Array): Promise<Measurement['results'][Task]> {
  const w = workload(which);
  const model = await impl.build(w.arch, { seed: 1 });
  let seen = 0;
  let last = 0;
  const started = performance.now();
  try {
    await model.fit!(
      tensorOf(x, w.inputShape),
      tensorOf(y, [10]),
      { ...w.fit, epochs: 1 },
      {
        onBatchEnd(info) {
          seen = info.seen;
          last = performance.now();
          if ((last - started) / 1000 > maxSeconds && info.seen < info.total) throw new Budget();
        },
      },
    );
  } catch (e) {
    if (!(e instanceof Budget)) throw e;
  } finally {
    model.dispose();
  }
  const seconds = (last - started) / 1000;
  const n = x.length / 784;
  return { samplesPerSecond: seen / seconds, samples: seen, seconds, ...(seen < n ? { partial: true, note: `stopped after ${maxSeconds} s` } : {}) };
}

async function infer(impl: Implementation, which: 'mlp' | 'cnn', x: Float32Array): Promise<Measurement['results'][Task]> {
  const w = workload(which);
  const model: Model = await impl.build(w.arch, { seed: 1 });
  try {
    const all = tensorOf(x, w.inputShape);
    // Warm-up: the first call may build the runtime's session or compile kernels.
    await model.predict(sliceRows(all, 0, INFER_BATCH), { batchSize: INFER_BATCH });
    // In chunks, so a slow runtime stops at the time budget (the rate is then over the chunks that ran).
    const n = all.shape[0]!;
    const chunk = INFER_BATCH * 8;
    let done = 0;
    const started = performance.now();
    while (done < n && (performance.now() - started) / 1000 <= maxSeconds) {
      const end = Math.min(n, done + chunk);
      await model.predict(sliceRows(all, done, end), { batchSize: INFER_BATCH });
      done = end;
    }
    const seconds = (performance.now() - started) / 1000;
    return { samplesPerSecond: done / seconds, samples: done, seconds, ...(done < n ? { partial: true, note: `stopped after ${maxSeconds} s` } : {}) };
  } finally {
    model.dispose();
  }
}

const out: Measurement = { runtime: values.impl!, results: {}, skipped: {}, maxRssBytes: 0 };
try {
  const impl = await loadImplementation(values.impl!);
  const info = await impl.info();
  out.backend = info.backend;
  if (info.details) out.details = info.details;
  const data = await readBenchData(values.data!, Number(values['train-samples']), Number(values['test-samples']));
  for (const task of tasks) {
    const [which, kind] = task.split('-') as ['mlp' | 'cnn', 'train' | 'infer'];
    if (kind === 'train') {
      const opt = workload(which).fit.optimizer.type;
      if (!impl.capabilities.train?.optimizers.includes(opt)) {
        out.skipped![task] = 'inference only';
        continue;
      }
      out.results[task] = await train(impl, which, data.xTrain, data.yTrain);
    } else {
      out.results[task] = await infer(impl, which, data.xTest);
    }
  }
  await impl.close?.();
} catch (e) {
  out.error = (e as Error).stack ?? String(e);
}
// ru_maxrss of this process, in KiB on Linux.
out.maxRssBytes = process.resourceUsage().maxRSS * 1024;
process.stdout.write(JSON.stringify(out) + '\n');
