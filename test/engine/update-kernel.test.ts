import { fc, test } from '@fast-check/vitest';
import { readFile } from 'node:fs/promises';
import { describe, expect } from 'vitest';
import { assemble, GENERATED, render } from '../../scripts/build-wasm.js';
import { ParameterArena } from '../../src/impl/engine/update.js';
import { resolveOptimizer, type OptimizerSpec, type ResolvedOptimizer } from '../../src/train/config.js';

const f = Math.fround;

/**
 * Keras 2.2's updates (keras/optimizers.py) as the engine's graph computed them before they moved into
 * update.wat: every operation rounded to float32, in the graph's order. The kernels must equal it bit for bit.
 */
function reference(opt: ResolvedOptimizer, p: number, g: number, slots: number[], lr: number): { p: number; slots: number[] } {
  switch (opt.type) {
    case 'sgd': {
      if (!(opt.momentum > 0)) return { p: f(p - f(g * lr)), slots };
      const mom = f(opt.momentum);
      const step = f(g * lr);
      const v = f(f(slots[0]! * mom) - step);
      return { p: opt.nesterov ? f(f(p + f(v * mom)) - step) : f(p + v), slots: [v] };
    }
    case 'rmsprop': {
      const rho = f(opt.rho);
      const a = f(f(slots[0]! * rho) + f(f(g * g) * f(1 - rho)));
      return { p: f(p - f(f(g * lr) / f(f(Math.sqrt(a)) + f(opt.epsilon)))), slots: [a] };
    }
    case 'adam': {
      const [b1, b2] = [f(opt.beta1), f(opt.beta2)];
      const m = f(f(slots[0]! * b1) + f(g * f(1 - b1)));
      const v = f(f(slots[1]! * b2) + f(f(g * g) * f(1 - b2)));
      const vhat = opt.amsgrad ? Math.max(slots[2]!, v) : v;
      const p2 = f(p - f(f(m * lr) / f(f(Math.sqrt(vhat)) + f(opt.epsilon))));
      return { p: p2, slots: opt.amsgrad ? [m, v, vhat] : [m, v] };
    }
  }
}

const OPTIMIZERS: OptimizerSpec[] = [
  { type: 'sgd', lr: 0.1 },
  { type: 'sgd', lr: 0.1, momentum: 0.9 },
  { type: 'sgd', lr: 0.05, momentum: 0.8, nesterov: true },
  { type: 'rmsprop' },
  { type: 'rmsprop', rho: 0.8, epsilon: 1e-3 },
  { type: 'adam' },
  { type: 'adam', beta1: 0.5, amsgrad: true },
];

const value = fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true });
/** A few tensors of lengths that do and do not fill whole 4-lane vectors, with their gradients for 3 steps. */
const tensors = fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 1, maxLength: 4 }).chain((lengths) =>
  fc.record({
    initial: fc.tuple(...lengths.map((n) => fc.array(value, { minLength: n, maxLength: n }))),
    grads: fc.array(fc.tuple(...lengths.map((n) => fc.array(value, { minLength: n, maxLength: n }))), { minLength: 3, maxLength: 3 }),
  }),
);

describe('engine: optimizer update kernels (update.wat)', () => {
  test('the committed bytes are update.wat assembled (npm run build:wasm)', async () => {
    expect(await readFile(GENERATED, 'utf8')).toBe(render(await assemble()));
  });

  for (const spec of OPTIMIZERS) {
    const opt = resolveOptimizer(spec);
    test.prop([tensors, fc.float({ min: Math.fround(1e-4), max: 1, noNaN: true })], { numRuns: 40 })(
      `${JSON.stringify(spec)}: every parameter and slot equals the float32 graph formula, bit for bit`,
      ({ initial, grads }, lr) => {
        const arena = new ParameterArena(
          opt,
          initial.map((t) => Float32Array.from(t)),
        );
        let want = initial.map((t) => t.map((p) => ({ p, slots: arena.slots.map(() => 0) })));
        for (const step of grads) {
          step.forEach((g, j) => arena.grads[j]!.set(g));
          arena.update(lr);
          want = want.map((t, j) => t.map((s, i) => reference(opt, s.p, step[j]![i]!, s.slots, lr)));
          want.forEach((t, j) => {
            expect(Array.from(arena.params[j]!)).toEqual(t.map((s) => s.p));
            arena.slots.forEach((slot, k) => expect(Array.from(slot[j]!)).toEqual(t.map((s) => s.slots[k])));
          });
        }
      },
    );
  }

  test('a fit beyond one WebAssembly memory is refused with a clear error, before anything is allocated', () => {
    // Only the lengths are read before the check: 2^29 floats × 3 regions (parameters, gradients, RMSprop's slot) × 4 bytes = 6 GiB.
    const huge = { length: 2 ** 29 } as Float32Array;
    expect(() => new ParameterArena(resolveOptimizer({ type: 'rmsprop' }), [huge])).toThrow(/need 6\.0 GiB, more than a WebAssembly memory holds/);
  });

  test('the arena holds a copy: the initial arrays are not written', () => {
    const initial = [Float32Array.of(1, 2, 3)];
    const arena = new ParameterArena(resolveOptimizer({ type: 'sgd', lr: 1 }), initial);
    arena.grads[0]!.set([1, 1, 1]);
    arena.update(1);
    expect(Array.from(arena.params[0]!)).toEqual([0, 1, 2]);
    expect(Array.from(initial[0]!)).toEqual([1, 2, 3]);
  });
});
