import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { Rng } from '../../src/util/rng.js';

/** keepMask is a fast path of `rng.float() >= rate` per unit: it must give that loop's masks and leave the stream where the loop would. */
describe('Rng.keepMask', () => {
  test.prop([
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    fc.integer({ min: 0, max: 3000 }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.integer({ min: 0, max: 50 }),
  ])('equals the float() loop, and the stream continues the same', (seed, n, rate, skip) => {
    const slow = new Rng(seed);
    const fast = new Rng(seed);
    for (let i = 0; i < skip; i++) expect(fast.float()).toBe(slow.float());
    const want = new Float32Array(n);
    for (let i = 0; i < n; i++) want[i] = slow.float() >= rate ? 1 : 0;
    expect(fast.keepMask(new Float32Array(n), rate)).toEqual(want);
    expect([fast.float(), fast.int(0, 1000)]).toEqual([slow.float(), slow.int(0, 1000)]);
  });

  test.prop([fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 70_000 }), fc.double({ min: 0, max: 1, noNaN: true })], {
    numRuns: 20,
  })('the WebAssembly kernel and the JavaScript loop agree, masks and stream, past a memory page', (seed, n, rate) => {
    const wasm = new Rng(seed);
    const js = new Rng(seed);
    expect(wasm.keepMask(new Float32Array(n), rate)).toEqual(js.keepMaskJs(new Float32Array(n), rate));
    expect(wasm.float()).toBe(js.float());
  });

  test('keeps about 1 − rate of the units', () => {
    const m = new Rng(7).keepMask(new Float32Array(100_000), 0.2);
    const kept = m.reduce((a, b) => a + b, 0) / m.length;
    // Binomial(100000, 0.8): standard deviation 0.0013, so ±0.01 is over 7 sigma.
    expect(Math.abs(kept - 0.8)).toBeLessThan(0.01);
  });
});
