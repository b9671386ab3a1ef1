import { expect } from 'vitest';
import { compareArgmax, compareClose } from '../../../src/golden/compare.js';
import { MODEL_FILE } from '../../../src/golden/manifest.js';
import { importOnnx } from '../../../src/onnx/import.js';
import { getRecipe } from '../../../src/recipes/index.js';
import { contract } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';
import { firstDivergence } from '../../../src/harness/divergence.js';
import { profileNote, toleranceProfile } from '../../../src/harness/precision.js';
import { golden, goldenBound, goldenManifest, GOLDEN_README } from '../../support/golden.js';

/** Every implementation given the golden models' weights (golden/, npm run golden) reproduces their outputs. */
const spec = conformanceSpecs(import.meta.url);

for (const id of Object.keys(goldenManifest.recipes)) {
  const recipe = getRecipe(id);
  spec(
    {
      params: { recipe: id },
      judges: ['end-to-end:golden'],
      claim: contract(GOLDEN_README, 'Every implementation given the golden weights reproduces output_0.pb within the declared tolerances.'),
      needs: { layers: [...new Set(recipe.arch.layers.map((l) => l.type))] },
    },
    async (ctx) => {
      const g = golden(id);
      // The precision profile's: for float32 the tolerances the manifest records (src/golden/tolerances.ts writes both).
      const profile = await toleranceProfile(ctx.impl);
      const close = profile.golden;
      const minMargin = profile.argmaxMinMargin.value;
      const imported = importOnnx(g.model, `golden/${id}/${MODEL_FILE}`);
      const model = await ctx.impl.build(imported.arch, { seed: 1 });
      try {
        await model.setWeights(imported.weights);
        const got = await model.predict(g.input.tensor, { batchSize: 128 });
        expect(got.shape).toEqual(g.output.tensor.shape);
        const c = compareClose(got.data, g.output.tensor.data, close);
        const a = compareArgmax(got.data, g.output.tensor.data, got.shape[1]!, minMargin);
        ctx.record({ maxAbs: c.maxAbs, outside: c.outside, argmaxDisagreements: a.disagreements.length, nearTies: a.exempt }, `${goldenBound(close)}; argmax agrees where the margin ≥ ${minMargin}${profileNote(profile)}`);
        // A failure says where: the first layer whose output departs from the float64 reference on the same weights.
        const where = c.outside ? await firstDivergence(ctx.impl, imported.arch, imported.weights, g.input.tensor, profile.layerRelative.value) : undefined;
        if (where) ctx.attach('divergence', where);
        expect(c.outside, `${where ? `${where.summary}; ` : ''}values outside ${goldenBound(close)}; worst ${JSON.stringify(c.worst)}`).toBe(0);
        expect(a.disagreements, 'rows predicting another class than output_0.pb').toEqual([]);
      } finally {
        model.dispose();
      }
    },
  );
}
