import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest trainings start first (longest-job-first on vitest's two workers): seed 000's two 100-epoch runs
 * (full tier), then the other notebook outcomes, then everything else in vitest's own order. Without it a fresh
 * checkout (no timing cache) runs files largest first, and the 100-epoch files, being small, would start last.
 */
class LongestTrainingFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => (/outcome\.000/.test(f.moduleId) ? 0 : /notebook[\\/]outcome\./.test(f.moduleId) ? 1 : 2);
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

/** Both cores: the training specs of different files then run side by side (vitest's default here is one). */
const MAX_WORKERS = 2;

export default defineConfig({
  test: {
    include: ['spec/**/*.spec.ts', 'test/**/*.test.ts'],
    // Apart from `npm test` (CI runs both): the packed package installed into a fresh project (`npm run test:package`),
    // and the end-to-end runs — the built CLI, browser pages, other processes — named *.e2e.test.ts (`npm run test:e2e`,
    // vitest.e2e.config.ts).
    exclude: ['test/package/**', '**/*.e2e.test.ts', 'node_modules/**', 'test/fixtures/**'],
    setupFiles: ['src/harness/setup.ts'],
    // Each file in its own process: the TF.js/wasm and onnxruntime runtimes hold process-wide state.
    pool: 'forks',
    maxWorkers: MAX_WORKERS,
    sequence: { sequencer: LongestTrainingFirst },
    env: {
      // onnxruntime-node's telemetry writes a device id under ~/.cache and files into the temp dir: off (src/util/no-telemetry.ts).
      ORT_DISABLE_TELEMETRY: process.env.ORT_DISABLE_TELEMETRY ?? '1',
      // The engine's onnxruntime threads: the cores shared among the workers, unless set. Two trainings side by side with
      // one thread each ran seed 000's two 100-epoch trainings in 412 and 426 s, with two each (four threads on two
      // cores) in 480 and 502 s; the whole full tier in 14 min 6 s against 16 min 3 s. The MLPs' results do not depend on
      // the thread count; the CNN's last bits do (a kernel partitions its sums by thread), within every bound.
      MNIST_SPEC_ENGINE_THREADS: process.env.MNIST_SPEC_ENGINE_THREADS ?? String(Math.max(1, Math.floor(availableParallelism() / MAX_WORKERS))),
    },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
