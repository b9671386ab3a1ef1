import { expect } from 'vitest';
import { KERAS_EPSILON } from '../../../src/train/metrics.js';
import { seed } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';
import { LOSS_TOLERANCE, train } from './tiny-dense.js';

/** Keras's losses where they bind, on the tiny net of tiny-dense.ts. */
const spec = conformanceSpecs(import.meta.url);

spec(
  {
    name: 'crossentropy-clip:saturated-wrong',
    judges: ['loss:crossentropy-clip'],
    // Seed 000 trained on 0..255 pixels until its softmax saturated: every wrong test answer then costs
    // exactly -ln(1e-7), and (1 - 0.4953) · 16.1181 = 8.1348 is the test loss it printed.
    claim: seed('000', 'Test loss: 8.13480284729'),
    needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Dense'] },
  },
  async (ctx) => {
    const { impl } = ctx;
    // z = (20, -20): p ≈ (1, 4e-18) for a sample of class 1, so q₁ is clipped up to 1e-7.
    const x = [[1, 0, 0]];
    const y = [[0, 1]];
    const w0 = [20, -20, 0, 0, 0, 0];
    const b0 = [0, 0];
    const got = await train(impl, { type: 'sgd', lr: 0.5 }, 'categorical_crossentropy', 2, w0, b0, x, y);
    ctx.record(got, `loss -ln(1e-7) = ${-Math.log(KERAS_EPSILON)}, weights unchanged`);
    for (const l of got.losses) expect(Math.abs(l + Math.log(KERAS_EPSILON))).toBeLessThanOrEqual(LOSS_TOLERANCE * 16.2);
    // The clip passes no gradient, so however large the learning rate, nothing moves.
    expect(got.w).toEqual(w0);
    expect(got.b).toEqual(b0);
  },
);
