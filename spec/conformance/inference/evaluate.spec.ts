import { expect } from 'vitest';
import type { MnistData } from '../../../src/data/types.js';
import { prepareData } from '../../../src/recipes/inputs.js';
import { getRecipe } from '../../../src/recipes/index.js';
import { evaluateProbabilities } from '../../../src/train/metrics.js';
import { seed } from '../../../src/harness/claims.js';
import { embeddedData, fullData } from '../../../src/harness/data.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';
import { profileNote, toleranceProfile } from '../../../src/harness/precision.js';
import { loadManifest, loadTrainedWeights } from '../../support/trained-weights.js';

const spec = conformanceSpecs(import.meta.url);

/**
 * Seed 001's `model.evaluate(x_test, y_test)` with given trained weights: the implementation's predict()
 * on the whole test set, scored by the suite's Keras loss and accuracy, equals the float64 Keras
 * reference's evaluation of the same weights. Works for inference-only implementations too. The spec
 * attaches what a conformance report shows of it: the confusion matrix and the misclassified digits
 * (seed 003 lists its own: "test sample number 149 is incorrect, model predicted 3 actual was 2").
 */
const manifest = loadManifest();
const recipe = getRecipe(manifest.recipe);

// Tolerances: the implementation's precision profile (src/golden/tolerances.ts: evaluationChangedShare, evaluationAccuracy,
// evaluationLoss). float32: at most 1 sample in 1,000 may change class, accuracy ± 0.001, loss ± 1e-4.
/** Misclassified samples kept for the report (their pixels are attached). */
const KEEP_MISCLASSIFIED = 48;

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
for (const ref of manifest.evaluations) {
  spec(
    {
      params: { recipe: recipe.id, weights: '001-embedded-v1', data: ref.data },
      judges: ['end-to-end:golden'],
      claim: seed('001', 'score = model.evaluate(x_test, y_test, verbose=0)'),
      needs: { layers: [...new Set(recipe.arch.layers.map((l) => l.type))], ...(ref.data === 'full' ? { fullData: true } : {}) },
      timeoutMs: 120_000,
    },
    async (ctx) => {
      const { impl } = ctx;
      const data: MnistData = ref.data === 'full' ? await fullData() : await embeddedData();
      const prepared = prepareData(recipe, data);
      const model = await impl.build(recipe.arch, { seed: 1 });
      try {
        await model.setWeights(loadTrainedWeights(manifest));
        const probs = await model.predict(prepared.xTest, { batchSize: 128 });
        const ev = evaluateProbabilities(probs, prepared.yTest, recipe.training.loss);
        const n = ev.samples;
        const labels = data.yTest.data;
        const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
        const wrong: number[] = [];
        let changed = 0;
        for (let i = 0; i < n; i++) {
          confusion[labels[i]!]![ev.predictions[i]!]!++;
          if (ev.predictions[i] !== labels[i]) wrong.push(i);
          if (String(ev.predictions[i]) !== ref.predictions[i]) changed++;
        }
        ctx.attach('confusion', { rows: 'true label', columns: 'predicted', labels: [...'0123456789'].map(Number), matrix: confusion });
        ctx.attach('misclassified', {
          data: data.provenance.source === 'embedded' ? `embedded ${data.provenance.split ?? ''} test split` : `${data.provenance.source} test set`,
          total: wrong.length,
          shown: Math.min(wrong.length, KEEP_MISCLASSIFIED),
          samples: wrong.slice(0, KEEP_MISCLASSIFIED).map((i) => ({
            index: i,
            label: labels[i],
            predicted: ev.predictions[i],
            confidence: probs.data[i * 10 + ev.predictions[i]!],
            pixels: b64(data.xTest.data.subarray(i * 784, (i + 1) * 784)),
          })),
        });
        const measured = { accuracy: ev.accuracy, loss: ev.loss, samples: n, changedClasses: changed };
        const profile = await toleranceProfile(impl);
        const [MAX_CHANGED, MAX_ACCURACY_DELTA, MAX_LOSS_DELTA] = [
          profile.evaluationChangedShare.value,
          profile.evaluationAccuracy.value,
          profile.evaluationLoss.value,
        ];
        ctx.record(
          measured,
          `accuracy ${ref.accuracy} ± ${MAX_ACCURACY_DELTA}, loss ${ref.loss.toFixed(6)} ± ${MAX_LOSS_DELTA}, ≤ ${MAX_CHANGED * 100}% of classes changed (float64 Keras reference)${profileNote(profile)}`,
        );
        expect(changed / n, `${changed} of ${n} predicted classes differ from the Keras reference's`).toBeLessThanOrEqual(MAX_CHANGED);
        expect(Math.abs(ev.accuracy - ref.accuracy), `accuracy ${ev.accuracy} vs reference ${ref.accuracy}`).toBeLessThanOrEqual(MAX_ACCURACY_DELTA);
        expect(Math.abs(ev.loss - ref.loss), `loss ${ev.loss} vs reference ${ref.loss}`).toBeLessThanOrEqual(MAX_LOSS_DELTA);
      } finally {
        model.dispose();
      }
    },
  );
}
