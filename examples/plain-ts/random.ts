/**
 * The implementation's own seeded random numbers: xoshiro128** (Blackman & Vigna), seeded through splitmix32.
 * Everything random in a run draws from here — initial weights at build, each epoch's shuffle and the dropout
 * masks in fit — so a seed names one run of this implementation. (The suite never asks for another runtime's
 * stream: it only asks that the same seed give the same result and another seed another one.)
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  // Stryker disable all: the generator's bit mixing: any change gives another stream, which nothing may rely on (what
  // the stream is used for — the uniform grid, the permutation, glorot's limit — stays mutated)
  constructor(seed: number) {
    // splitmix32 spreads any 32-bit seed over the 128-bit state (which must not be all zero).
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
  }

  /** The next 32 random bits, as an unsigned integer. */
  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }
  // Stryker restore all

  /** Uniform in [0, 1), on a grid of 2^-24: exactly representable in float32. */
  float(): number {
    return (this.uint32() >>> 8) / 16777216;
  }

  /** Uniform in [0, 1) with 53 random bits: for indices, where 24 bits would favour some. */
  float53(): number {
    return ((this.uint32() >>> 5) * 67108864 + (this.uint32() >>> 6)) / 9007199254740992;
  }

  /** A fresh random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.float53() * (i + 1));
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}

// Stryker disable all: part of the generator's bit mixing (above)
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
// Stryker restore all

/**
 * Keras's glorot_uniform: U(-limit, limit) with limit = sqrt(6 / (fan_in + fan_out)); for a kernel of shape
 * [..receptive field.., in, out], fan_in = receptive · in and fan_out = receptive · out (keras/initializers.py).
 */
export function glorotUniform(shape: readonly number[], random: Random): Float32Array {
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const fanIn = receptive * shape[shape.length - 2]!;
  const fanOut = receptive * shape[shape.length - 1]!;
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = limit * (2 * random.float() - 1);
  return out;
}
