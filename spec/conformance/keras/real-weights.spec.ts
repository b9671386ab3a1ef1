import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { loadKerasH5 } from '../../../src/keras/saving.js';
import { KNOWN_KERAS_FILES } from '../../../src/keras/known.js';
import { getRecipe } from '../../../src/recipes/index.js';
import { prepareData } from '../../../src/recipes/inputs.js';
import { evaluateProbabilities } from '../../../src/train/metrics.js';
import { sha256 } from '../../../src/util/fs.js';
import { kerasProvenance } from '../../../src/harness/claims.js';
import { fullData } from '../../../src/harness/data.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';

const spec = conformanceSpecs(import.meta.url);

/**
 * Real Keras weights: a public Keras 2.2.2 training run of seed 001's network (third-party data beside the
 * checkout, ../shared/keras/mnist_mlp_keras2; never copied into the project). Loaded into recipe 001's
 * architecture, every implementation's predict() on the canonical test set, scored by the suite's Keras
 * loss and accuracy, must give what Keras printed for the same weights.
 */
const KNOWN = KNOWN_KERAS_FILES.find((k) => k.location === 'shared/keras/mnist_mlp_keras2/mnist_mlp.h5')!;
const WEIGHTS = process.env.MNIST_SPEC_KERAS_WEIGHTS ?? fileURLToPath(new URL(`../../../../${KNOWN.location}`, import.meta.url));
const recipe = getRecipe(KNOWN.recipe);

/**
 * Keras printed the mean of its float32 per-batch losses (TF 1.x, batches of 32); we average float64 per-row
 * losses of float32 probabilities, computed by another runtime's kernels. The two differ in summation order
 * and float32 rounding of ~1e-7 per probability, which moves a mean loss of 0.116 by well under 1e-5
 * (measured on tfjs, onnxruntime and engine: |Δ| ≤ 1.4e-8). Accuracy is a count of argmaxes and must be exact: 9,831 of 10,000.
 */
const LOSS_TOLERANCE = 1e-5;
spec(
  {
    params: { recipe: '001', file: 'mnist_mlp_keras2', data: 'full' },
    judges: ['end-to-end:golden'],
    claim: kerasProvenance(KNOWN.provenance.file, KNOWN.provenance.quote),
    needs: { fullData: true, layers: ['Dense', 'Dropout'] },
    timeoutMs: 120_000,
  },
  async (ctx) => {
    const { impl } = ctx;
    if (!existsSync(WEIGHTS)) ctx.skip(`the real Keras weights are not at ${WEIGHTS} (set MNIST_SPEC_KERAS_WEIGHTS to mnist_mlp.h5)`);
    const bytes = new Uint8Array(readFileSync(WEIGHTS));
    expect(sha256(bytes), `${WEIGHTS} is not the file PROVENANCE.md describes`).toBe(KNOWN.sha256);
    const { weights } = await loadKerasH5(bytes, 'mnist_mlp.h5', recipe.arch);
    const prepared = prepareData(recipe, await fullData());
    const model = await impl.build(recipe.arch, { seed: 1 });
    try {
      await model.setWeights(weights);
      const ev = evaluateProbabilities(await model.predict(prepared.xTest, { batchSize: 128 }), prepared.yTest, recipe.training.loss);
      ctx.record(
        { accuracy: ev.accuracy, loss: ev.loss, samples: ev.samples, lossDelta: ev.loss - KNOWN.printed.loss },
        `accuracy ${KNOWN.printed.accuracy} exactly, loss ${KNOWN.printed.loss} ± ${LOSS_TOLERANCE} (Keras 2.2.2's printed evaluation)`,
      );
      expect(ev.samples).toBe(10_000);
      expect(ev.accuracy, 'accuracy vs Keras').toBe(KNOWN.printed.accuracy);
      expect(Math.abs(ev.loss - KNOWN.printed.loss), `loss ${ev.loss} vs Keras ${KNOWN.printed.loss}`).toBeLessThanOrEqual(LOSS_TOLERANCE);
    } finally {
      model.dispose();
    }
  },
);
