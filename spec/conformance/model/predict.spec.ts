import { expect } from 'vitest';
import type { Architecture } from '../../../src/arch/types.js';
import { getRecipe } from '../../../src/recipes/index.js';
import { sizeOf, type F32Tensor } from '../../../src/tensor.js';
import { Rng } from '../../../src/util/rng.js';
import { contract, keras } from '../../../src/harness/claims.js';
import { probabilityRowError } from '../../../src/harness/guard.js';
import { profileNote, toleranceProfile } from '../../../src/harness/precision.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';
import { EVERY_OPTION } from '../../support/onnx-fixtures.js';

const spec = conformanceSpecs(import.meta.url);

const layerTypes = (arch: Architecture) => [...new Set(arch.layers.map((l) => l.type))];

/** n random inputs in [0, 1) shaped for the architecture (MNIST pixels after /255 live there too). */
function inputs(arch: Architecture, n: number, seed: number): F32Tensor {
  const shape = arch.kind === 'sequential' ? arch.inputShape : arch.input.shape;
  const rng = new Rng(seed);
  return { shape: [n, ...shape], data: Float32Array.from({ length: n * sizeOf(shape) }, () => rng.float()) };
}

// Tolerances: the implementation's precision profile (src/golden/tolerances.ts: probabilitySum, batchInvariance).

const RECIPES = ['001', '002', '004-mlp', '004-cnn'] as const;
for (const recipe of RECIPES) {
  const arch = getRecipe(recipe).arch;
  spec(
    {
      name: 'probabilities',
      params: { recipe },
      judges: ['method:predict', 'activation:softmax'],
      claim: contract(
        'src/impl/interface.ts Model.predict',
        'Inference mode (dropout off, batch-norm moving statistics): x [n, ...inputShape] → probabilities [n, classes].',
      ),
      needs: { layers: layerTypes(arch) },
    },
    async (ctx) => {
      const { impl } = ctx;
      const model = await impl.build(arch, { seed: 2 });
      try {
        const n = 37;
        const p = await model.predict(inputs(arch, n, 5), { batchSize: 16 });
        expect(p.shape).toEqual([n, 10]);
        expect(p.data).toBeInstanceOf(Float32Array);
        const { worst, outside } = probabilityRowError(p);
        expect(outside, 'every value a probability in [0, 1]').toBeUndefined();
        const profile = await toleranceProfile(impl);
        ctx.record(worst, `|row sum - 1| ≤ ${profile.probabilitySum.value}${profileNote(profile)}`);
        expect(worst).toBeLessThanOrEqual(profile.probabilitySum.value);
      } finally {
        model.dispose();
      }
    },
  );
}

spec(
  {
    name: 'inference-mode',
    params: { recipe: '001' },
    judges: ['method:predict', 'layer:Dropout:inference'],
    claim: keras('keras/layers/core.py Dropout.call', 'return K.in_train_phase(dropped_inputs, inputs, training=training)'),
    needs: { layers: layerTypes(getRecipe('001').arch) },
  },
  async ({ impl }) => {
    const arch = getRecipe('001').arch;
    const model = await impl.build(arch, { seed: 2 });
    try {
      const x = inputs(arch, 20, 6);
      const a = await model.predict(x);
      const b = await model.predict(x);
      // Dropout is off at inference, so nothing random is left: the same input gives the same bits.
      expect(b.data).toEqual(a.data);
    } finally {
      model.dispose();
    }
  },
);

const BATCH_CASES: { params: Record<string, string>; arch: Architecture }[] = [
  { params: { recipe: '001' }, arch: getRecipe('001').arch },
  { params: { recipe: '004-cnn' }, arch: getRecipe('004-cnn').arch },
  // Every layer option (strided 'same' convolution and pooling, Reshape, three batch norms, Dropout) on small tensors.
  { params: { arch: 'every-option' }, arch: EVERY_OPTION },
];
for (const { params, arch } of BATCH_CASES) {
  spec(
    {
      name: 'batch-size-invariant',
      params,
      judges: ['method:predict'],
      claim: keras('keras/layers/normalization.py BatchNormalization.call', 'return K.in_train_phase(normed_training, normalize_inference, training=training)'),
      needs: { layers: layerTypes(arch) },
    },
    async (ctx) => {
      const { impl } = ctx;
      // At inference each sample is computed alone (batch norm uses its moving statistics, not the
      // batch's), so how the samples are batched cannot change any probability beyond rounding.
      const model = await impl.build(arch, { seed: 2 });
      try {
        const x = inputs(arch, 24, 8);
        const whole = await model.predict(x, { batchSize: 24 });
        let worst = 0;
        for (const batchSize of [1, 5, 32]) {
          const p = await model.predict(x, { batchSize });
          p.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - whole.data[i]!))));
        }
        const profile = await toleranceProfile(impl);
        ctx.record(worst, `max |Δp| ≤ ${profile.batchInvariance.value}${profileNote(profile)}`);
        expect(worst).toBeLessThanOrEqual(profile.batchInvariance.value);
      } finally {
        model.dispose();
      }
    },
  );
}
