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
import { toleranceProfile, profileNote } from '../../../src/harness/precision.js';

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

// Tolerances: the implementation's precision profile (src/golden/tolerances.ts: kerasAccuracy, kerasLoss). float32: the
// accuracy exactly (9,831 of 10,000), the loss ± 1e-5 (Keras's float32 batch means against our float64 mean).
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
      const profile = await toleranceProfile(impl);
      const [accuracyTolerance, lossTolerance] = [profile.kerasAccuracy.value, profile.kerasLoss.value];
      ctx.record(
        { accuracy: ev.accuracy, loss: ev.loss, samples: ev.samples, lossDelta: ev.loss - KNOWN.printed.loss },
        `accuracy ${KNOWN.printed.accuracy} ${accuracyTolerance ? `± ${accuracyTolerance}` : 'exactly'}, loss ${KNOWN.printed.loss} ± ${lossTolerance} (Keras 2.2.2's printed evaluation)${profileNote(profile)}`,
      );
      expect(ev.samples).toBe(10_000);
      if (accuracyTolerance)
        expect(Math.abs(ev.accuracy - KNOWN.printed.accuracy), `accuracy ${ev.accuracy} vs Keras ${KNOWN.printed.accuracy}`).toBeLessThanOrEqual(
          accuracyTolerance,
        );
      else expect(ev.accuracy, 'accuracy vs Keras').toBe(KNOWN.printed.accuracy);
      expect(Math.abs(ev.loss - KNOWN.printed.loss), `loss ${ev.loss} vs Keras ${KNOWN.printed.loss}`).toBeLessThanOrEqual(lossTolerance);
    } finally {
      model.dispose();
    }
  },
);
