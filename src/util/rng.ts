import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { keepMaskKernel } from './keep-mask-wasm.js';

/**
 * The project's one seeded random source (xoroshiro128+ from pure-rand). Shuffles, splits, initial
 * weights and dropout masks all draw from it, so a seed names one run exactly, in every implementation
 * that uses it. (Keras's own numpy/TF streams cannot be reproduced bit for bit; nothing here claims to.)
 */
export class Rng {
  private gen;
  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Rng: seed must be an integer, got ${seed}`);
    this.gen = xoroshiro128plus(seed | 0);
  }
  /** Uniform float in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }
  /**
   * Dropout's keep-mask: out[i] = 1 when the i-th float() ≥ rate, else 0, exactly as that loop would give and
   * leaving the stream where it would leave it. A training step draws one number per unit (131,072 per
   * step for the seed MLP), which through float() cost about a third of the engine's step; this runs
   * pure-rand's xoroshiro128+ step and uniformFloat64 in WebAssembly on 64-bit integers (src/util/keep-mask-
   * wasm.ts), or in JavaScript on local variables where WebAssembly is missing (test/util/rng.test.ts holds
   * both equal to the library's stream).
   */
  keepMask(out: Float32Array, rate: number): Float32Array {
    const kernel = keepMaskKernel();
    if (kernel) {
      this.gen = xoroshiro128plusFromState(kernel.run(this.gen.getState() as number[], out, rate));
      return out;
    }
    return this.keepMaskJs(out, rate);
  }

  /** keepMask in JavaScript, 32-bit halves of pure-rand's 64-bit state. */
  keepMaskJs(out: Float32Array, rate: number): Float32Array {
    let [s01, s00, s11, s10] = this.gen.getState() as [number, number, number, number];
    let draw = 0;
    for (let i = 0; i < out.length; i++) {
      let hi = 0;
      for (let k = 0; k < 2; k++) {
        // pure-rand's XoroShiro128Plus.next(), in 32-bit halves.
        draw = (s00 + s10) | 0;
        const a0 = s10 ^ s00;
        const a1 = s11 ^ s01;
        const t00 = s00;
        const t01 = s01;
        s00 = (t00 << 24) ^ (t01 >>> 8) ^ a0 ^ (a0 << 16);
        s01 = (t01 << 24) ^ (t00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
        s10 = (a1 << 5) ^ (a0 >>> 27);
        s11 = (a0 << 5) ^ (a1 >>> 27);
        if (k === 0) hi = draw;
      }
      // uniformFloat64: 26 high bits from the first draw, 27 low bits from the second.
      const u = (hi & 67108863) * 1.4901161193847656e-8 + (draw & 134217727) * 1.1102230246251565e-16;
      out[i] = u >= rate ? 1 : 0;
    }
    this.gen = xoroshiro128plusFromState([s01, s00, s11, s10]);
    return out;
  }
  /** Uniform integer in [lo, hi] (both included). */
  int(lo: number, hi: number): number {
    return uniformInt(this.gen, lo, hi);
  }
  /** A derived, independent stream (for e.g. one layer's initializer) that does not disturb this one. */
  fork(salt: number): Rng {
    return new Rng((Math.imul(this.seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(salt + 1, 0xc2b2ae35)) | 0);
  }
  /** Fisher–Yates permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(0, i);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}
