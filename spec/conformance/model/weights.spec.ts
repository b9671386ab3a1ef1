import { expect } from 'vitest';
import type { Architecture } from '../../../src/arch/types.js';
import type { NamedWeight } from '../../../src/impl/interface.js';
import { getRecipe } from '../../../src/recipes/index.js';
import type { F32Tensor } from '../../../src/tensor.js';
import { Rng } from '../../../src/util/rng.js';
import { contract, keras } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';

const spec = conformanceSpecs(import.meta.url);

const layerTypes = (arch: Architecture) => [...new Set(arch.layers.map((l) => l.type))];
const mlp = getRecipe('001').arch;
const cnn = getRecipe('004-cnn').arch;
const mlp004 = getRecipe('004-mlp').arch;

/** Keras `model.get_weights()` of seed 004's CNN: order, names and layouts. */
const CNN_LAYOUT: [string, number[]][] = [
  ['conv2d_1/kernel', [3, 3, 1, 32]],
  ['conv2d_1/bias', [32]],
  ['batch_normalization_1/gamma', [32]],
  ['batch_normalization_1/beta', [32]],
  ['batch_normalization_1/moving_mean', [32]],
  ['batch_normalization_1/moving_variance', [32]],
  ['conv2d_2/kernel', [3, 3, 32, 32]],
  ['conv2d_2/bias', [32]],
  ['batch_normalization_2/gamma', [32]],
  ['batch_normalization_2/beta', [32]],
  ['batch_normalization_2/moving_mean', [32]],
  ['batch_normalization_2/moving_variance', [32]],
  ['dense_1/kernel', [4608, 128]],
  ['dense_1/bias', [128]],
  ['batch_normalization_3/gamma', [128]],
  ['batch_normalization_3/beta', [128]],
  ['batch_normalization_3/moving_mean', [128]],
  ['batch_normalization_3/moving_variance', [128]],
  ['dense_2/kernel', [128, 10]],
  ['dense_2/bias', [10]],
];

function randomLike(weights: readonly NamedWeight[], seed: number): F32Tensor[] {
  const rng = new Rng(seed);
  return weights.map((w) => ({ shape: [...w.tensor.shape], data: Float32Array.from(w.tensor.data, () => rng.float() * 2 - 1) }));
}

/** First index where two arrays differ (NaN-aware, bit for bit on float32), or -1: toEqual is slow on 400k values. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected setWeights to reject');
}
spec(
  {
    name: 'layout',
    params: { recipe: '004-cnn' },
    judges: ['method:get-weights'],
    claim: contract(
      'src/impl/interface.ts Model.getWeights',
      'Keras `model.get_weights()` order and layout: Dense kernel [in, out], Conv2D kernel [kh, kw, in, out].',
    ),
    needs: { layers: layerTypes(cnn) },
  },
  async ({ impl }) => {
    const model = await impl.build(cnn, { seed: 1 });
    try {
      const weights = await model.getWeights();
      expect(weights.map((w) => [`${w.layer}/${w.name}`, [...w.tensor.shape]])).toEqual(CNN_LAYOUT);
    } finally {
      model.dispose();
    }
  },
);

for (const [recipe, arch] of [
  ['001', mlp],
  ['004-cnn', cnn],
] as const) {
  spec(
    {
      name: 'round-trip',
      params: { recipe },
      judges: ['method:set-weights', 'weights:after-set'],
      claim: keras(
        'keras/engine/network.py Network.set_weights',
        'weights: A list of Numpy arrays with shapes and types matching the output of `model.get_weights()`.',
      ),
      needs: { layers: layerTypes(arch) },
    },
    async ({ impl }) => {
      const model = await impl.build(arch, { seed: 1 });
      try {
        const given = randomLike(await model.getWeights(), 7);
        await model.setWeights(given);
        const back = await model.getWeights();
        // Bit for bit: set_weights stores the float32 values it is given.
        back.forEach((w, i) => expect(firstDifference(w.tensor.data, given[i]!.data), `${w.layer}/${w.name}`).toBe(-1));
      } finally {
        model.dispose();
      }
    },
  );
}

spec(
  {
    name: 'set-rejects-bad-shape',
    judges: ['errors:set-weights'],
    claim: contract(
      'src/impl/interface.ts Model.setWeights',
      "A wrong length or shape rejects with an Error named 'ArgumentError' whose `argument` names `weights[i] (layer/name)`, changing nothing.",
    ),
    needs: { layers: layerTypes(mlp004) },
  },
  async (ctx) => {
    const { impl } = ctx;
    const model = await impl.build(mlp004, { seed: 1 });
    try {
      const before = await model.getWeights();
      const given = before.map((w) => w.tensor);
      // dense_2/kernel (512, 128) transposed: the right size, the wrong shape.
      const wrong = [...given];
      wrong[2] = { shape: [...given[2]!.shape].reverse(), data: given[2]!.data };
      // Judged by what any runtime can produce without importing us: the name and the documented field.
      const e = (await rejection(model.setWeights(wrong))) as { name?: unknown; argument?: unknown; message?: unknown };
      ctx.record({ name: e.name, argument: e.argument, message: e.message }, "name 'ArgumentError', argument naming weights[2] (dense_2/kernel)");
      expect(e.name).toBe('ArgumentError');
      expect(String(e.argument)).toContain('weights[2]');
      expect(String(e.argument)).toContain('dense_2/kernel');
      // A list of the wrong length is refused the same way.
      const short = (await rejection(model.setWeights(given.slice(0, 5)))) as { name?: unknown; argument?: unknown };
      expect(short.name).toBe('ArgumentError');
      expect(typeof short.argument).toBe('string');
      // A rejected list changes nothing.
      const after = await model.getWeights();
      after.forEach((w, i) => expect(firstDifference(w.tensor.data, before[i]!.tensor.data)).toBe(-1));
    } finally {
      model.dispose();
    }
  },
);

spec(
  {
    name: 'snapshot',
    judges: ['weights:snapshot'],
    claim: contract(
      'src/impl/interface.ts',
      'Values cross the interface as copies. `getWeights` returns a snapshot: later training or setWeights does not change arrays already returned, and writing into them does not change the model. `setWeights` copies what it is given.',
    ),
    needs: { layers: layerTypes(mlp004) },
  },
  async (ctx) => {
    const { impl } = ctx;
    const model = await impl.build(mlp004, { seed: 1 });
    try {
      const rng = new Rng(5);
      const x: F32Tensor = { shape: [4, 28, 28], data: Float32Array.from({ length: 4 * 784 }, () => rng.float()) };
      const first = await model.getWeights();
      const kept = first.map((w) => w.tensor.data.slice());
      const before = await model.predict(x);
      // A later setWeights does not reach into arrays already handed out.
      const other = randomLike(first, 9);
      await model.setWeights(other);
      const stale = first.map((w, i) => firstDifference(w.tensor.data, kept[i]!)).filter((d) => d >= 0).length;
      // setWeights copied: writing into what it was given changes nothing.
      for (const t of other) t.data.fill(0.5);
      const afterSet = await model.getWeights();
      const aliasedInputs = afterSet.filter((w) => w.tensor.data.every((v) => v === 0.5)).length;
      // Writing into a returned snapshot changes nothing either.
      for (const w of afterSet) w.tensor.data.fill(0.25);
      const again = await model.getWeights();
      const aliasedOutputs = again.filter((w) => w.tensor.data.every((v) => v === 0.25)).length;
      ctx.record(
        { tensors: first.length, stale, aliasedInputs, aliasedOutputs },
        "no returned array changes later, no array given or returned is the model's own",
      );
      expect(stale, 'arrays returned by getWeights that changed when the model did').toBe(0);
      expect(aliasedInputs, 'weights that changed when the arrays given to setWeights were overwritten').toBe(0);
      expect(aliasedOutputs, 'weights that changed when the arrays getWeights returned were overwritten').toBe(0);
      // And the model still predicts as before once its own weights are back.
      await model.setWeights(kept.map((data, i) => ({ shape: first[i]!.tensor.shape, data })));
      const after = await model.predict(x);
      expect(firstDifference(after.data, before.data), 'predict after restoring the weights').toBe(-1);
    } finally {
      model.dispose();
    }
  },
);

spec(
  {
    name: 'seeded',
    judges: ['weights:seeded'],
    claim: contract('src/impl/interface.ts BuildOptions.seed', 'Seeds the initial weights. Same seed, same weights, within one implementation.'),
    needs: { layers: layerTypes(mlp) },
  },
  async ({ impl }) => {
    const weightsOf = async (seed: number) => {
      const model = await impl.build(mlp, { seed });
      try {
        return (await model.getWeights()).map((w) => w.tensor.data);
      } finally {
        model.dispose();
      }
    };
    const [a, b, c] = [await weightsOf(3), await weightsOf(3), await weightsOf(4)];
    a.forEach((w, i) => expect(firstDifference(b[i]!, w)).toBe(-1));
    // Every kernel differs between seeds (biases are all zero either way).
    for (const i of [0, 2, 4]) expect(firstDifference(c[i]!, a[i]!)).not.toBe(-1);
  },
);

for (const [recipe, arch] of [
  ['001', mlp],
  ['004-cnn', cnn],
] as const) {
  spec(
    {
      name: 'initial',
      params: { recipe },
      judges: ['weights:initial'],
      claim: keras(
        'keras/initializers.py glorot_uniform',
        'It draws samples from a uniform distribution within [-limit, limit] where `limit` is `sqrt(6 / (fan_in + fan_out))`',
      ),
      needs: { layers: layerTypes(arch) },
      stochastic: {
        why:
          'kernel mean and variance are held to 6 standard errors of a uniform sample of that size (mean: limit/sqrt(3n); ' +
          'variance: limit²·sqrt(4/45)/sqrt(n)); the range bound is exact',
        method:
          'normal approximation of the sample mean and variance (n ≥ 288 draws per kernel): P(|Z| > 6) ≈ 2e-9 per check, two checks per kernel, summed over the kernels',
        falseFailure: 2e-8,
      },
    },
    async (ctx) => {
      const { impl } = ctx;
      const model = await impl.build(arch, { seed: 11 });
      try {
        const measured: Record<string, unknown> = {};
        for (const w of await model.getWeights()) {
          const d = w.tensor.data;
          const where = `${w.layer}/${w.name}`;
          if (w.name === 'kernel') {
            const s = w.tensor.shape;
            const receptive = s.slice(0, -2).reduce((a, b) => a * b, 1);
            const limit = Math.sqrt(6 / (receptive * s[s.length - 2]! + receptive * s[s.length - 1]!));
            const n = d.length;
            let sum = 0;
            let sq = 0;
            let max = 0;
            for (const v of d) {
              sum += v;
              sq += v * v;
              max = Math.max(max, Math.abs(v));
            }
            const mean = sum / n;
            const variance = sq / n;
            measured[where] = { limit, max, mean, varianceOverLimit2: variance / limit ** 2 };
            // float32 rounding of limit·u can land one ulp past the float64 limit.
            expect(max, `${where} range`).toBeLessThanOrEqual(limit * (1 + 2 ** -23));
            expect(Math.abs(mean), `${where} mean`).toBeLessThan((6 * limit) / Math.sqrt(3 * n));
            expect(Math.abs(variance - limit ** 2 / 3), `${where} variance`).toBeLessThan((6 * limit ** 2 * Math.sqrt(4 / 45)) / Math.sqrt(n));
          } else {
            // Keras: zero biases; BatchNormalization beta 0, gamma 1, moving mean 0, moving variance 1.
            const want = w.name === 'gamma' || w.name === 'moving_variance' ? 1 : 0;
            expect(
              d.every((v) => v === want),
              `${where} all ${want}`,
            ).toBe(true);
          }
        }
        ctx.record(measured, '|k| ≤ limit; mean, variance within 6 standard errors of U(-limit, limit)');
      } finally {
        model.dispose();
      }
    },
  );
}
