import { expect } from 'vitest';
import { resolveArchitecture } from '../../../src/arch/resolve.js';
import { prepareImages } from '../../../src/recipes/inputs.js';
import { getRecipe } from '../../../src/recipes/index.js';
import { gatherRows, sizeOf, type F32Tensor, type U8Tensor } from '../../../src/tensor.js';
import { argmaxRow } from '../../../src/train/metrics.js';
import { keras, seed, type Claim, type SeedId } from '../../../src/harness/claims.js';
import type { Params } from '../../../src/harness/ids.js';
import type { Architecture } from '../../../src/arch/types.js';
import { EVERY_OPTION } from '../../support/onnx-fixtures.js';
import { embeddedData } from '../../../src/harness/data.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';
import { firstDivergence } from '../../../src/harness/divergence.js';
import { profileNote, toleranceProfile } from '../../../src/harness/precision.js';
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
interface Case {
  params: Params;
  arch: Architecture;
  claim: Claim;
  /** The digits as this model is fed them. */
  inputs(digits: U8Tensor): F32Tensor;
  /** Large activations (0–255 inputs) carry proportionally more float32 rounding. */
  unscaled?: true;
  /** What besides its layers' inference modes the case judges. */
  judges?: string[];
}
const recipeCase = (recipe: string, notebook: SeedId, quote: string): Case => {
  const r = getRecipe(recipe);
  return {
    params: { recipe },
    arch: r.arch,
    claim: seed(notebook, quote),
    inputs: (d) => prepareImages(d, r.input),
    ...(r.input === 'flat-unscaled' ? { unscaled: true as const, judges: ['numerics:large-logits'] } : {}),
  };
};
const CASES: Case[] = [
  recipeCase('000', '000', "model.add(Dense(nb_classes, activation='softmax'))"),
  recipeCase('001', '001', "model.add(Dense(num_classes, activation='softmax'))"),
  recipeCase('002', '002', "out = Dense(num_classes, activation='softmax')(hidden_2)"),
  recipeCase('004-mlp', '004', "model.add ( Activation('softmax'))"),
  recipeCase('004-cnn', '004', 'model_cnn.add(Flatten())'),
  // Seed 004's sigmoid MLP fed 0–255 pixels, as seed 000 fed its own: the sigmoids saturate.
  {
    ...recipeCase('004-mlp', '004', "model.add ( Activation('sigmoid'))"),
    params: { recipe: '004-mlp', input: 'unscaled' },
    inputs: (d) => ({ shape: [d.shape[0]!, 28, 28], data: Float32Array.from(d.data) }),
    unscaled: true,
    judges: ['numerics:saturated-sigmoid'],
  },
  // Every layer option beyond the notebooks (strided 'same' convolution and pooling, Reshape, Dense on rank 3, no bias,
  // linear): each layer's definition in Keras, on the digits cut to 8×8×2.
  {
    params: { arch: 'every-option' },
    arch: EVERY_OPTION,
    claim: keras('keras/layers/convolutional.py Conv2D', 'padding: one of `"valid"` or `"same"` (case-insensitive).'),
    inputs: (d) => {
      const n = d.shape[0]!;
      const x = new Float32Array(n * 128);
      for (let i = 0; i < n; i++) for (let j = 0; j < 128; j++) x[i * 128 + j] = d.data[i * 784 + 200 + 4 * j]! / 255;
      return { shape: [n, 8, 8, 2], data: x };
    },
    judges: ['activation:linear'],
  },
];

/** Samples per case: all in one predict batch, so anything computed across the batch shows. */
const N = 16;

// Tolerances: the implementation's precision profile (src/golden/tolerances.ts: forward, forwardUnscaled), each with
// its derivation: float32 holds probabilities to 1e-5 of the float64 reference (1e-4 for unscaled 0–255 inputs).

/** Inputs, weights and the reference's probabilities per recipe: computed once, shared by every implementation. */
const prepared = new Map<Case, Promise<{ x: F32Tensor; weights: F32Tensor[]; want: Float64Array }>>();
function prepare(c: Case): Promise<{ x: F32Tensor; weights: F32Tensor[]; want: Float64Array }> {
  let p = prepared.get(c);
  if (!p) {
    p = (async () => {
      const resolved = resolveArchitecture(c.arch);
      const data = await embeddedData();
      const x = c.inputs(
        gatherRows(
          data.xTest,
          Array.from({ length: N }, (_, i) => i),
        ),
      );
      const weights = temperWeights(resolved, distinctWeights(resolved, 17), x);
      return { x, weights, want: referencePredict(resolved, weights, x) };
    })();
    prepared.set(c, p);
  }
  return p;
}
for (const c of CASES) {
  spec(
    {
      params: c.params,
      judges: [...inferenceBehaviours(c.arch), ...(c.judges ?? [])],
      claim: c.claim,
      needs: { layers: [...new Set(c.arch.layers.map((l) => l.type))] },
    },
    async (ctx) => {
      const { impl } = ctx;
      const profile = await toleranceProfile(impl);
      const tolerance = (c.unscaled ? profile.forwardUnscaled : profile.forward).value;
      const resolved = resolveArchitecture(c.arch);
      const { x, weights, want } = await prepare(c);
      const model = await impl.build(c.arch, { seed: 17 });
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
        ctx.record({ maxAbsDiff: worst, sameArgmax: `${sameClass}/${N}` }, `max |p − p_keras| ≤ ${tolerance}${profileNote(profile)}`);
        const row = Math.floor(at / k);
        // A failure says where: the first layer whose output departs from the reference (src/harness/divergence.ts).
        const where = worst <= tolerance ? undefined : await firstDivergence(impl, c.arch, weights, x, profile.layerRelative.value);
        if (where) ctx.attach('divergence', where);
        expect(
          worst,
          `${where ? `${where.summary}; ` : ''}sample ${row}, class ${at % k}: got ${got.data[at]}, Keras reference ${want[at]} ` +
            `(got row [${Array.from(got.data.subarray(row * k, (row + 1) * k), (v) => v.toFixed(4)).join(' ')}], ` +
            `reference [${Array.from(want.subarray(row * k, (row + 1) * k), (v) => v.toFixed(4)).join(' ')}])`,
        ).toBeLessThanOrEqual(tolerance);
      } finally {
        model.dispose();
      }
    },
  );
}
