import { expect } from 'vitest';
import { resolveArchitecture } from '../../../src/arch/resolve.js';
import { prepareImages } from '../../../src/recipes/inputs.js';
import { getRecipe } from '../../../src/recipes/index.js';
import { gatherRows, sizeOf, type F32Tensor } from '../../../src/tensor.js';
import { argmaxRow } from '../../../src/train/metrics.js';
import { seed, type SeedId } from '../../../src/harness/claims.js';
import { embeddedData } from '../../../src/harness/data.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';
import { inferenceBehaviours } from '../../../src/harness/contract.js';
import { distinctWeights, referencePredict, temperWeights } from '../../../src/reference/keras-float64.js';

const spec = conformanceSpecs(import.meta.url);

/**
 * Each notebook's network computes what Keras computes: given weights (every bias and batch-norm
 * statistic non-trivial) and real digits prepared as the notebook prepares them, predict() in one batch
 * matches the float64 Keras reference (./reference.ts) to float32 rounding. This is where a layer
 * written wrong shows up — a kernel read transposed, Flatten in channels-first order, a missing bias,
 * softmax over the wrong axis, dropout or batch statistics left on at inference, a wrong ε.
 */
const CASES: { recipe: string; notebook: SeedId; quote: string }[] = [
  { recipe: '000', notebook: '000', quote: "model.add(Dense(nb_classes, activation='softmax'))" },
  { recipe: '001', notebook: '001', quote: "model.add(Dense(num_classes, activation='softmax'))" },
  { recipe: '002', notebook: '002', quote: "out = Dense(num_classes, activation='softmax')(hidden_2)" },
  { recipe: '004-mlp', notebook: '004', quote: "model.add ( Activation('softmax'))" },
  { recipe: '004-cnn', notebook: '004', quote: 'model_cnn.add(Flatten())' },
];

/** Samples per case: all in one predict batch, so anything computed across the batch shows. */
const N = 16;

/**
 * Float32 against float64. A dot product of K ≤ 4608 terms carries a relative rounding error of about
 * sqrt(K)·2⁻²⁴ ≈ 4e-6 of its magnitude; a softmax output moves by at most a quarter of its logit's error.
 * The last layer is tempered so no softmax saturates (reference.ts temperWeights). Probabilities agree to
 * ~1e-6 (observed ≤ 1.1e-6 for tfjs/wasm, ≤ 3.5e-7 for onnxruntime and the minimal adapter), so 1e-5 holds
 * them with room. A layer computed wrong moves probabilities by 1e-2 or more; a batch-norm ε of 1e-5
 * instead of Keras's 1e-3 by ~1e-3.
 */
const TOLERANCE = 1e-5;
/** Seed 000 feeds unscaled 0..255 pixels: hidden activations ~255× larger, so ~255× the rounding (observed ≤ 1.1e-6). */
const UNSCALED_TOLERANCE = 1e-4;

/** Inputs, weights and the reference's probabilities per recipe: computed once, shared by every implementation. */
const cases = new Map<string, Promise<{ x: F32Tensor; weights: F32Tensor[]; want: Float64Array }>>();
function caseOf(id: string): Promise<{ x: F32Tensor; weights: F32Tensor[]; want: Float64Array }> {
  let c = cases.get(id);
  if (!c) {
    c = (async () => {
      const recipe = getRecipe(id);
      const resolved = resolveArchitecture(recipe.arch);
      const data = await embeddedData();
      const x = prepareImages(gatherRows(data.xTest, Array.from({ length: N }, (_, i) => i)), recipe.input);
      const weights = temperWeights(resolved, distinctWeights(resolved, 17), x);
      return { x, weights, want: referencePredict(resolved, weights, x) };
    })();
    cases.set(id, c);
  }
  return c;
}
for (const c of CASES) {
  const recipe = getRecipe(c.recipe);
  const tolerance = recipe.input === 'flat-unscaled' ? UNSCALED_TOLERANCE : TOLERANCE;
  spec(
    {
      params: { recipe: c.recipe },
      judges: [...inferenceBehaviours(getRecipe(c.recipe).arch), ...(getRecipe(c.recipe).input === 'flat-unscaled' ? ['numerics:large-logits'] : [])],
      claim: seed(c.notebook, c.quote),
      needs: { layers: [...new Set(recipe.arch.layers.map((l) => l.type))] },
    },
    async (ctx) => {
      const { impl } = ctx;
      const resolved = resolveArchitecture(recipe.arch);
      const { x, weights, want } = await caseOf(c.recipe);
      const model = await impl.build(recipe.arch, { seed: 17 });
      try {
        await model.setWeights(weights);
        const got = await model.predict(x, { batchSize: N });
        const k = sizeOf(resolved.outputShape);
        let worst = 0;
        let at = 0;
        for (let i = 0; i < got.data.length; i++) {
          const d = Math.abs(got.data[i]! - want[i]!);
          if (!(d <= worst)) [worst, at] = [Number.isNaN(d) ? Infinity : d, i];
        }
        let sameClass = 0;
        for (let i = 0; i < N; i++) if (argmaxRow(got.data, i * k, k) === argmaxRow(want, i * k, k)) sameClass++;
        ctx.record({ maxAbsDiff: worst, sameArgmax: `${sameClass}/${N}` }, `max |p − p_keras| ≤ ${tolerance}`);
        const row = Math.floor(at / k);
        expect(
          worst,
          `sample ${row}, class ${at % k}: got ${got.data[at]}, Keras reference ${want[at]} ` +
            `(got row [${Array.from(got.data.subarray(row * k, (row + 1) * k), (v) => v.toFixed(4)).join(' ')}], ` +
            `reference [${Array.from(want.subarray(row * k, (row + 1) * k), (v) => v.toFixed(4)).join(' ')}])`,
        ).toBeLessThanOrEqual(tolerance);
      } finally {
        model.dispose();
      }
    },
  );
}
