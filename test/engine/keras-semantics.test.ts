import { describe, expect, test } from 'vitest';
import type { Architecture } from '../../src/arch/types.js';
import engine from '../../src/impl/engine/index.js';
import type { Model } from '../../src/impl/interface.js';
import type { F32Tensor } from '../../src/tensor.js';
import { resolveOptimizer, type OptimizerSpec } from '../../src/train/config.js';
import { Rng } from '../../src/util/rng.js';

/**
 * The engine against Keras 2.2's definitions, each computed here independently in float64: the optimizer
 * updates (keras/optimizers.py), the clipped cross-entropy's zero gradient, batch normalization's moving
 * statistics, and a seed naming one run.
 */
const tensor = (data: number[], shape: number[]): F32Tensor => ({ shape, data: Float32Array.from(data) });

async function withModel<T>(arch: Architecture, seed: number, fn: (m: Model) => Promise<T>): Promise<T> {
  const model = await engine.build(arch, { seed });
  try {
    return await fn(model);
  } finally {
    model.dispose();
  }
}

/** Keras get_updates for one parameter vector, float64, `steps` times on a constant-gradient-free problem. */
function kerasReference(spec: OptimizerSpec, w0: number[], b0: number[], x: number[], y: number[], steps: number): { w: number[]; b: number[] } {
  const o = resolveOptimizer(spec);
  const params = [w0.slice(), b0.slice()];
  const slots = params.map((p) => [p.map(() => 0), p.map(() => 0), p.map(() => 0)]);
  const out = b0.length;
  for (let it = 0; it < steps; it++) {
    // Dense(out) linear, MSE over `out` outputs, one sample: dL/dp = 2(p − y)/out.
    const p = Array.from({ length: out }, (_, j) => params[1]![j]! + x.reduce((s, xi, i) => s + xi * params[0]![i * out + j]!, 0));
    const dp = p.map((pj, j) => (2 * (pj - y[j]!)) / out);
    const grads = [x.flatMap((xi) => dp.map((d) => xi * d)), dp];
    const lr = o.lr / (1 + o.decay * it);
    params.forEach((prm, k) => {
      const [m, v, vhat] = slots[k]!;
      prm.forEach((pv, i) => {
        const g = grads[k]![i]!;
        if (o.type === 'sgd') {
          const vel = o.momentum * m![i]! - lr * g;
          m![i] = vel;
          prm[i] = o.nesterov ? pv + o.momentum * vel - lr * g : pv + vel;
        } else if (o.type === 'rmsprop') {
          m![i] = o.rho * m![i]! + (1 - o.rho) * g * g;
          prm[i] = pv - (lr * g) / (Math.sqrt(m![i]!) + o.epsilon);
        } else {
          const t = it + 1;
          const lrT = (lr * Math.sqrt(1 - o.beta2 ** t)) / (1 - o.beta1 ** t);
          m![i] = o.beta1 * m![i]! + (1 - o.beta1) * g;
          v![i] = o.beta2 * v![i]! + (1 - o.beta2) * g * g;
          vhat![i] = Math.max(vhat![i]!, v![i]!);
          prm[i] = pv - (lrT * m![i]!) / (Math.sqrt(o.amsgrad ? vhat![i]! : v![i]!) + o.epsilon);
        }
      });
    });
  }
  return { w: params[0]!, b: params[1]! };
}

describe('engine: Keras 2.2 optimizers', () => {
  const linear: Architecture = { kind: 'sequential', inputShape: [3], layers: [{ type: 'Dense', units: 2 }] };
  const cases: OptimizerSpec[] = [
    { type: 'sgd', lr: 0.1 },
    { type: 'sgd', lr: 0.1, momentum: 0.9, decay: 0.1 },
    { type: 'sgd', lr: 0.05, momentum: 0.8, nesterov: true },
    { type: 'rmsprop' },
    { type: 'rmsprop', lr: 0.01, rho: 0.8, decay: 0.05 },
    { type: 'adam' },
    { type: 'adam', lr: 0.01, amsgrad: true, decay: 0.1 },
  ];
  for (const opt of cases) {
    test(JSON.stringify(opt), async () => {
      await withModel(linear, 1, async (model) => {
        const [w0] = (await model.getWeights()).map((w) => Array.from(w.tensor.data));
        // A non-zero bias start, so bias updates are not all alike.
        const b = [0.25, -0.5];
        await model.setWeights([tensor(w0!, [3, 2]), tensor(b, [2])]);
        const x = [0.5, -1, 2];
        const y = [1, 0];
        const steps = 5;
        await model.fit!(tensor(x, [1, 3]), tensor(y, [1, 2]), { optimizer: opt, loss: 'mean_squared_error', batchSize: 1, epochs: steps, seed: 1 });
        const ref = kerasReference(opt, w0!, b, x, y, steps);
        const [w, bias] = (await model.getWeights()).map((t) => Array.from(t.tensor.data));
        [...w!, ...bias!].forEach((v, i) => {
          const r = [...ref.w, ...ref.b][i]!;
          expect(Math.abs(v - r), `param ${i}: engine ${v}, Keras ${r}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(r)));
        });
      });
    });
  }
});

describe('engine: categorical cross-entropy on probabilities', () => {
  test('a saturated wrong answer costs −ln(1e-7) and teaches nothing (the clip passes no gradient)', async () => {
    const arch: Architecture = { kind: 'sequential', inputShape: [2], layers: [{ type: 'Dense', units: 2, activation: 'softmax' }] };
    await withModel(arch, 1, async (model) => {
      // Logits (200, −200): p = (1, 0) in float32; the label is class 1.
      const weights = [tensor([100, -100, 100, -100], [2, 2]), tensor([0, 0], [2])];
      await model.setWeights(weights);
      const h = await model.fit!(tensor([1, 1], [1, 2]), tensor([0, 1], [1, 2]), {
        optimizer: { type: 'sgd', lr: 1 },
        loss: 'categorical_crossentropy',
        batchSize: 1,
        epochs: 1,
        seed: 1,
      });
      expect(h.epochs[0]!.loss).toBeCloseTo(-Math.log(1e-7), 4);
      expect(h.epochs[0]!.acc).toBe(0);
      const after = await model.getWeights();
      after.forEach((w, i) => expect(Array.from(w.tensor.data)).toEqual(Array.from(weights[i]!.data)));
    });
  });
});

describe('engine: batch normalization moving statistics (Keras 2.2 + TF zero-debiased averages)', () => {
  for (const image of [false, true]) {
    test(image ? 'over images: n/(n − (1 + ε)) and fused batch norm’s n/(n − 1)' : 'over vectors: n/(n − (1 + ε))', async () => {
      const arch: Architecture = image
        ? {
            kind: 'sequential',
            inputShape: [2, 2, 3],
            layers: [{ type: 'BatchNormalization' }, { type: 'Flatten' }, { type: 'Dense', units: 2, activation: 'softmax' }],
          }
        : { kind: 'sequential', inputShape: [3], layers: [{ type: 'BatchNormalization' }, { type: 'Dense', units: 2, activation: 'softmax' }] };
      const rows = image ? 4 * 2 * 2 : 4;
      const rng = new Rng(5);
      const x = Array.from({ length: rows * 3 }, () => rng.float() * 4);
      await withModel(arch, 1, async (model) => {
        const samples = 4;
        const y = Array.from({ length: samples * 2 }, (_, i) => (i % 2 === 0 ? 1 : 0));
        const xShape = image ? [samples, 2, 2, 3] : [samples, 3];
        for (let step = 1; step <= 2; step++) {
          await model.fit!(tensor(x, xShape), tensor(y, [samples, 2]), {
            optimizer: { type: 'sgd', lr: 0 },
            loss: 'categorical_crossentropy',
            batchSize: samples,
            epochs: 1,
            seed: 1,
          });
          const w = await model.getWeights();
          const mm = w.find((t) => t.name === 'moving_mean')!.tensor.data;
          const mv = w.find((t) => t.name === 'moving_variance')!.tensor.data;
          for (let c = 0; c < 3; c++) {
            const col = Array.from({ length: rows }, (_, r) => Math.fround(x[r * 3 + c]!));
            const mean = col.reduce((a, b) => a + b, 0) / rows;
            const biased = col.reduce((a, b) => a + (b - mean) ** 2, 0) / rows;
            const value = biased * (rows / (rows - 1.001)) * (image ? rows / (rows - 1) : 1);
            // The same batch twice: the debiased average of equal values is that value.
            expect(mm[c]).toBeCloseTo(mean, 5);
            expect(mv[c]! / value).toBeCloseTo(1, 5);
          }
        }
      });
    });
  }
});

describe('engine: a seed names one run', () => {
  const arch: Architecture = {
    kind: 'sequential',
    inputShape: [8, 8, 1],
    layers: [
      { type: 'Conv2D', filters: 4, kernelSize: [3, 3], activation: 'relu' },
      { type: 'BatchNormalization' },
      { type: 'MaxPooling2D', poolSize: [2, 2] },
      { type: 'Flatten' },
      { type: 'Dense', units: 16, activation: 'relu' },
      { type: 'Dropout', rate: 0.3 },
      { type: 'Dense', units: 3, activation: 'softmax' },
    ],
  };
  const rng = new Rng(9);
  const n = 40;
  const x = tensor(
    Array.from({ length: n * 64 }, () => rng.float()),
    [n, 8, 8, 1],
  );
  const y = tensor(
    Array.from({ length: n * 3 }, (_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0)),
    [n, 3],
  );
  const run = (seed: number) =>
    withModel(arch, 2, async (model) => {
      await model.fit!(x, y, { optimizer: { type: 'adam', lr: 0.01 }, loss: 'categorical_crossentropy', batchSize: 8, epochs: 2, seed, validationSplit: 0.2 });
      return (await model.getWeights()).map((w) => Array.from(w.tensor.data));
    });
  test('same seed, same weights to the bit; another seed (other shuffles and dropout masks), other weights', async () => {
    const a = await run(1);
    const b = await run(1);
    const c = await run(2);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});
