import { expect } from 'vitest';
import { modelWeightSpecs, resolveArchitecture } from '../../../src/arch/resolve.js';
import type { Architecture } from '../../../src/arch/types.js';
import { distinctWeights } from '../../../src/reference/keras-float64.js';
import { referenceStep } from '../../../src/reference/keras-float64-step.js';
import { getRecipe } from '../../../src/recipes/index.js';
import { embeddedData } from '../../../src/harness/data.js';
import { keras } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';

/**
 * One SGD training step of notebook 004's CNN at its own size (28×28×1, Conv2D 32 3×3 − BN − ReLU twice, 2×2 max
 * pooling, Dense 128 − BN − ReLU, Dense 10 − softmax; batch 64), every weight after the step against the float64
 * reference of the same step (src/reference/keras-float64-step.ts: training-mode batch norm, the moving statistics
 * debiased after one step). The suite's own weights (distinctWeights, seed 5) and data (the first 64 embedded training
 * images /255 and their labels), never the implementation's draw. Dropout is neutralised by rate 0, which Keras's
 * Dropout passes unchanged (`if 0. < self.rate < 1.:` guards the dropout), so the step is deterministic.
 *
 * Tolerance, condition-aware: for each weight the reference also computes the magnitude M of the computation that
 * formed it, the first-order running error analysis of the whole step (src/reference/keras-float64-step.ts): every sum
 * replaced by the sum of its terms' absolute values, forward (each layer's output carries Σ|input|·|weight| of its
 * inputs' magnitudes; each batch norm the first-order error of x̂ from its batch mean and variance, sums over up to
 * 43,264 values) and backward (a kernel gradient's M is Σ |input|·M(gradient) + M(input)·|gradient| over batch ×
 * height × width; batch norm's input gradient carries the magnitudes of dy, Σdy/m and x̂·Σ(dy·x̂)/m rather than their
 * cancelling difference). A float32 computation of a sum of n terms, in any order, is within (n − 1)·u·Σ|terms| of it
 * (u = 2⁻²⁴; Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §4.2), so each weight is held to
 * |w32 − w64| ≤ FLOAT32_TERMS·u·M + u·|w64| (the last term: storing w64 in float32), with FLOAT32_TERMS = 2¹⁶ covering
 * the step's longest accumulation (43,264 terms) and the few roundings per layer. The worst case is not academic: a
 * sequential float32 sum over MNIST's blank borders adds thousands of equal terms whose roundings do not cancel (TF.js
 * wasm's Sum of 43,264 equal values is off by 3.3e-4 relative, ~5,500·u, where 43,264 random values give 2.9e-6), and
 * through batch norm that moves the conv kernels' updates by percents. A ReLU or a max-pooling window within rounding
 * of its kink moves one term of a sum, which M already counts.
 *
 * What that bound holds and what it cannot: recorded per weight as boundOfUpdate (largest bound / largest update).
 * The first two batch norms' moving statistics are held to 2.1e-3 and 0.33 of their update; everything the backward
 * pass computes is not held at all — worst-case float32 behind two batch norms bounds the dense layers at 5e3–3e4
 * times their update and the conv kernels at 7e6–2e8 times: at this sound tolerance one float32 step of this CNN does
 * not determine its conv kernels' update. How far each implementation actually is from float64 is recorded as
 * worstOfUpdate (largest |w − w64| / largest update). Measured (one step, batch 64): conv kernels 3.2e-2 / 1.4e-2 for
 * tfjs (wasm), 1.8e-6 / 8.5e-6 engine, 3.6e-7 / 1.5e-7 plain-ts, 4.4e-6 / 1.8e-4 tfjs-webgl and tfjs-webgpu on
 * SwiftShader; every other weight (but the biases before batch norm, whose exact update is 0) ≤ 2.2e-2 for tfjs
 * (batch_normalization_1/beta), ≤ 9e-6 for the others. The largest
 * worstInBounds: 6.4e-2 (tfjs, batch_normalization_1/moving_mean, its Sum over the blank borders), ≤ 1.9e-4 for the others.
 */
const FLOAT32_TERMS = 2 ** 16;
const U = 2 ** -24;
const N = 64;
const LR = 1;

const recipeArch = getRecipe('004-cnn').arch;
if (recipeArch.kind !== 'sequential') throw new Error('004-cnn is sequential');
const ARCH: Architecture = { ...recipeArch, layers: recipeArch.layers.map((l) => (l.type === 'Dropout' ? { ...l, rate: 0 } : l)) };
const resolved = resolveArchitecture(ARCH);
const weightSpecs = modelWeightSpecs(resolved);
const LAYERS = [...new Set(ARCH.layers.map((l) => l.type))];

let cached:
  | Promise<{ x: { shape: number[]; data: Float32Array }; y: { shape: number[]; data: Float32Array }; ref: ReturnType<typeof referenceStep> }>
  | undefined;
/** The batch and the float64 step, computed once per spec process (a few seconds) and shared by every implementation. */
function batchAndReference() {
  cached ??= (async () => {
    const data = await embeddedData();
    const x = { shape: [N, 28, 28, 1], data: Float32Array.from(data.xTrain.data.subarray(0, N * 784), (v) => v / 255) };
    const y = { shape: [N, 10], data: new Float32Array(N * 10) };
    for (let i = 0; i < N; i++) y.data[i * 10 + data.yTrain.data[i]!] = 1;
    return { x, y, ref: referenceStep(resolved, START, x, y, LR) };
  })();
  return cached;
}
const START = distinctWeights(resolved, 5);

const spec = conformanceSpecs(import.meta.url);

spec(
  {
    name: 'cnn',
    params: { recipe: '004-cnn', batch: N },
    judges: [...LAYERS.map((t) => `layer:${t}:training`), 'activation:relu', 'activation:softmax', 'loss:categorical_crossentropy', 'method:fit'],
    claim: keras('keras/optimizers.py SGD.get_updates', 'new_p = p - lr * g'),
    needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: LAYERS },
    timeoutMs: 600_000,
  },
  async (ctx) => {
    const { impl } = ctx;
    const { x, y, ref } = await batchAndReference();
    const model = await impl.build(ARCH, { seed: 1 });
    let after: Float32Array[];
    try {
      await model.setWeights(START);
      await model.fit!(x, y, { optimizer: { type: 'sgd', lr: LR }, loss: 'categorical_crossentropy', batchSize: N, epochs: 1, seed: 0, shuffle: false });
      after = (await model.getWeights()).map((w) => w.tensor.data);
    } finally {
      model.dispose();
    }
    const failures: string[] = [];
    const perWeight: Record<string, { worstInBounds: number; worstOfUpdate: number; boundOfUpdate: number }> = {};
    weightSpecs.forEach((s, t) => {
      let worstInBounds = 0;
      let worstAt = 0;
      let deviation = 0;
      let update = 0;
      let widest = 0;
      for (let i = 0; i < after[t]!.length; i++) {
        const d = Math.abs(after[t]![i]! - ref.weights[t]![i]!);
        const bound = FLOAT32_TERMS * U * ref.magnitudes[t]![i]! + U * Math.abs(ref.weights[t]![i]!);
        if (d / bound > worstInBounds) [worstInBounds, worstAt] = [d / bound, i];
        deviation = Math.max(deviation, d);
        widest = Math.max(widest, bound);
        update = Math.max(update, Math.abs(ref.weights[t]![i]! - START[t]!.data[i]!));
      }
      const name = `${s.layer}/${s.name}`;
      const round = (v: number) => Number(v.toPrecision(3));
      perWeight[name] = { worstInBounds: round(worstInBounds), worstOfUpdate: round(deviation / update), boundOfUpdate: round(widest / update) };
      if (worstInBounds > 1)
        failures.push(`${name}[${worstAt}]: ${after[t]![worstAt]}, float64 ${ref.weights[t]![worstAt]} (${worstInBounds.toPrecision(3)} × its bound)`);
    });
    ctx.record(
      { perWeight, loss64: ref.loss },
      `|w − w64| ≤ ${FLOAT32_TERMS}·2⁻²⁴·M + 2⁻²⁴·|w64| per weight (M: the magnitude of the computation that formed it); worstInBounds: the largest |w − w64| / bound; worstOfUpdate: max |w − w64| / max |update| per tensor; boundOfUpdate: max bound / max |update|`,
    );
    expect(failures, 'weights after one step beyond float32 rounding of the float64 step').toEqual([]);
  },
);
