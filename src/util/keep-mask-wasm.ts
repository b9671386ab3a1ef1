/**
 * Rng.keepMask's loop in WebAssembly: xoroshiro128+ on native 64-bit integers instead of JavaScript's
 * 32-bit halves, about three times as fast (a training step of the seed-001 MLP draws 262,144 numbers for
 * its two dropout masks: 2.1 ms in JavaScript, 0.6 ms here). The module is a dozen instructions, so it is
 * assembled here from its opcodes (the WebAssembly binary format, 1.0) rather than shipped as a binary;
 * test/util/rng.test.ts holds it equal to pure-rand's stream.
 *
 * keepMask(ptr, n, rate): the state (s0, s1) is read from and written back to memory bytes 0..15 (little-
 * endian i64 each); per unit, two steps of the generator give hi and lo, the 32-bit low halves of s0 + s1
 * before each step (pure-rand's next()), and u = (hi & 2^26−1)·2^−26 + (lo & 2^27−1)·2^−53 (its
 * uniformFloat64); the float32 at ptr + 4i is 1 when u ≥ rate, else 0.
 */

import { WASM_PAGE, wasmApi } from './wasm.js';

/** Unsigned and signed LEB128, as the binary format encodes integers. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}
const f64 = (v: number): number[] => [...new Uint8Array(new Float64Array([v]).buffer)];
const f32 = (v: number): number[] => [...new Uint8Array(new Float32Array([v]).buffer)];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

// Opcodes.
const I32 = 0x7f;
const I64 = 0x7e;
const F64 = 0x7c;
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const i32c = (v: number) => [0x41, ...sleb(v)];
const i64c = (v: number) => [0x42, ...sleb(v)];

// Parameters: 0 ptr, 1 n, 2 rate; locals: 3 s0, 4 s1, 5 a, 6 hi, 7 end.
const [PTR, N, RATE, S0, S1, A, HI, END] = [0, 1, 2, 3, 4, 5, 6, 7];
/** One generator step: a = s0 ^ s1; s0 = rotl(s0, 24) ^ a ^ (a << 16); s1 = rotl(a, 37). */
const advance = [
  ...get(S0),
  ...get(S1),
  0x85,
  ...set(A),
  ...get(S0),
  ...i64c(24),
  0x89,
  ...get(A),
  0x85,
  ...get(A),
  ...i64c(16),
  0x86,
  0x85,
  ...set(S0),
  ...get(A),
  ...i64c(37),
  0x89,
  ...set(S1),
];
/** The low 32 bits of s0 + s1. */
const output = [...get(S0), ...get(S1), 0x7c, 0xa7];
const locals = vec([
  [3, I64],
  [2, I32],
]);
const code = [
  ...locals,
  // s0, s1 from memory; end = ptr + 4n.
  ...i32c(0),
  0x29,
  3,
  0,
  ...set(S0),
  ...i32c(0),
  0x29,
  3,
  8,
  ...set(S1),
  ...get(PTR),
  ...get(N),
  ...i32c(2),
  0x74,
  0x6a,
  ...set(END),
  0x02,
  0x40, // block
  ...get(PTR),
  ...get(END),
  0x4f,
  0x0d,
  0, // ptr >= end: done
  0x03,
  0x40, // loop
  ...output,
  ...set(HI),
  ...advance,
  ...get(PTR),
  0x43,
  ...f32(1),
  0x43,
  ...f32(0),
  ...get(HI),
  ...i32c(0x3ffffff),
  0x71,
  0xb8,
  0x44,
  ...f64(2 ** -26),
  0xa2,
  ...output,
  ...i32c(0x7ffffff),
  0x71,
  0xb8,
  0x44,
  ...f64(2 ** -53),
  0xa2,
  0xa0,
  ...get(RATE),
  0x66, // u >= rate
  0x1b, // select
  0x38,
  2,
  0, // f32.store
  ...advance,
  ...get(PTR),
  ...i32c(4),
  0x6a,
  ...tee(PTR),
  ...get(END),
  0x49,
  0x0d,
  0, // ptr < end: again
  0x0b, // end loop
  0x0b, // end block
  ...i32c(0),
  ...get(S0),
  0x37,
  3,
  0,
  ...i32c(0),
  ...get(S1),
  0x37,
  3,
  8,
  0x0b,
];
const MODULE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00,
  ...section(1, vec([[0x60, ...vec([[I32], [I32], [F64]]), 0]])), // type 0: (i32, i32, f64) -> ()
  ...section(2, vec([[...uleb(3), ...[0x65, 0x6e, 0x76], ...uleb(3), ...[0x6d, 0x65, 0x6d], 0x02, 0x00, 0x01]])), // import env.mem: memory, min 1 page
  ...section(3, vec([[0]])), // function 0 has type 0
  ...section(7, vec([[...uleb(8), ...[...'keepMask'].map((c) => c.charCodeAt(0)), 0x00, 0]])), // export it
  ...section(10, vec([[...uleb(code.length), ...code]])),
]);

export interface KeepMaskKernel {
  /** Fill `out` from the state (pure-rand's [s01, s00, s11, s10]); returns the state after the draws. */
  run(state: readonly number[], out: Float32Array, rate: number): [number, number, number, number];
}

function instantiate(): KeepMaskKernel | undefined {
  const wasm = wasmApi();
  if (!wasm) return undefined;
  const memory = new wasm.Memory({ initial: 1 });
  const instance = new wasm.Instance(new wasm.Module(MODULE), { env: { mem: memory } });
  const keepMask = instance.exports.keepMask as (ptr: number, n: number, rate: number) => void;
  const STATE = 16;
  return {
    run(state, out, rate) {
      const need = STATE + out.length * 4;
      if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / WASM_PAGE));
      const words = new Int32Array(memory.buffer, 0, 4);
      words[0] = state[1]!; // s0 low
      words[1] = state[0]!; // s0 high
      words[2] = state[3]!; // s1 low
      words[3] = state[2]!; // s1 high
      keepMask(STATE, out.length, rate);
      out.set(new Float32Array(memory.buffer, STATE, out.length));
      const after = new Int32Array(memory.buffer, 0, 4);
      return [after[1]!, after[0]!, after[3]!, after[2]!];
    },
  };
}

let kernel: KeepMaskKernel | undefined | null = null;
/** The WebAssembly kernel, or undefined where WebAssembly is unavailable (the JavaScript loop is used then). */
export function keepMaskKernel(): KeepMaskKernel | undefined {
  if (kernel === null) kernel = instantiate();
  return kernel;
}
