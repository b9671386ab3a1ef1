import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The conformance specs `npm run mutation` runs against each mutant of examples/plain-ts (stryker.config.mjs): the
 * ones that judge an implementation's arithmetic in seconds — layers, losses, optimizers, the fit loop, numerics,
 * weights — with plain-ts as the implementation under test. The notebook outcomes (minutes of training each) and
 * the specs that need the full MNIST set are left to `mnist-spec conform`.
 *
 * Stryker's mutation switching puts a check on every expression of the mutated code, the GEMM's inner loops included,
 * which makes it tens of times slower, and a mutant's timeout grows with the time of the specs that reach its code (the
 * GEMM: all of them). So the specs that push recipe-sized tensors through it — the notebooks' networks in inference
 * and predict, the golden models — are skipped here (MNIST_SPEC_SKIP, as an expectations file would), their layers
 * judged on the small tensors of the others (inference:forward:arch=every-option, the predict specs on every-option,
 * the gradient checks, the extremes, the training specs); and the bookkeeping specs (build, summary, weight layouts:
 * code stryker.config.mjs does not mutate) are left out, but for one recipe's glorot-uniform draws.
 */
const SKIP = [
  { pattern: '> (inference:forward|model:predict):.*recipe=', reason: 'recipe-sized tensors: too slow instrumented' },
  { pattern: '> golden:', reason: 'recipe-sized tensors: too slow instrumented' },
  // Bookkeeping outside the mutated code (model.ts's build, layouts, layer infos), each a build of a recipe-sized model.
  { pattern: '> model:(build:layers|summary|weights:(layout|round-trip|snapshot)):', reason: 'bookkeeping: not mutated' },
  { pattern: '> model:weights:initial:recipe=001$', reason: 'the same glorot-uniform draws as recipe=004-cnn' },
];
/**
 * Stryker runs a mutant's specs one file after another and stops at the first failure: the files that judge the most
 * in the least time go first (vitest's own order puts the longest first).
 */
const ORDER = [
  'train/optimizer',
  'train/activation',
  'inference/extremes',
  'train/loss',
  'train/batchnorm',
  'train/gradient',
  'inference/forward',
  'train/fit',
  'train/dropout',
  'train/shuffle',
  'model/',
];
class QuickestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => {
      const i = ORDER.findIndex((o) => f.moduleId.replace(/\\/g, '/').includes(`spec/conformance/${o}`));
      return i < 0 ? ORDER.length : i;
    };
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: [
      'spec/conformance/train/*.spec.ts',
      'spec/conformance/inference/forward.spec.ts',
      'spec/conformance/inference/extremes.spec.ts',
      'spec/conformance/model/*.spec.ts',
      'spec/conformance/golden/inference.spec.ts',
    ],
    setupFiles: ['src/harness/setup.ts'],
    env: { MNIST_SPEC_IMPL: 'examples/plain-ts/index.ts', MNIST_SPEC_TIER: 'fast', MNIST_SPEC_SKIP: JSON.stringify(SKIP) },
    sequence: { sequencer: QuickestFirst },
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
