import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import base from './vitest.config.js';

/**
 * `npm run test:e2e`: the end-to-end runs, every file named *.e2e.test.ts — the built CLI as a user runs it (conform
 * with shards, watchdog and interrupted runs; hostile inputs), the reference's notebook outcomes judged through
 * `mnist-spec conform`, browser pages (chromium) and implementations in other processes (Python, PyTorch). They
 * mostly wait on child processes, so they live apart from `npm test`, the developer's loop; CI runs both (.ci/run).
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => (/reference-outcomes/.test(f.moduleId) ? 0 : /conform[\\/]cli\./.test(f.moduleId) ? 1 : 2);
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/**/*.e2e.test.ts'],
    exclude: ['node_modules/**', 'test/fixtures/**'],
    sequence: { sequencer: LongestFirst },
  },
});
