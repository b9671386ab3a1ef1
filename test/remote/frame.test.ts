import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodeFrame,
  FRAME_PREFIX_BYTES,
  FrameDecoder,
  FrameError,
  type Frame,
  type FrameHeader,
  type WireTensor,
} from '../../src/impl/remote/frame.js';

/**
 * The frame codec (src/impl/remote/frame.ts) under fast-check: whatever the header and tensors, a frame
 * decodes to what was encoded, however the stream is cut into chunks; and whatever is done to the bytes —
 * cut short, bytes flipped, garbage before, between or instead of frames — decoding ends in frames or a
 * FrameError, never another exception and never waiting for bytes that cannot come (end() says truncated).
 */
const dtypes = ['float32', 'float64', 'int32', 'uint8'] as const;

const tensorArb: fc.Arbitrary<WireTensor> = fc
  .record({ name: fc.string({ maxLength: 12 }), dtype: fc.constantFrom(...dtypes), shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }) })
  .chain(({ name, dtype, shape }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values =
      dtype === 'float32'
        ? fc.float32Array({ minLength: n, maxLength: n })
        : dtype === 'float64'
          ? fc.float64Array({ minLength: n, maxLength: n })
          : dtype === 'int32'
            ? fc.int32Array({ minLength: n, maxLength: n })
            : fc.uint8Array({ minLength: n, maxLength: n });
    return values.map((data) => ({ name, dtype, shape, data }) as WireTensor);
  });

const headerArb: fc.Arbitrary<FrameHeader> = fc.record(
  {
    type: fc.string({ minLength: 1, maxLength: 10 }),
    id: fc.nat(),
    note: fc.string({ maxLength: 30 }),
    nested: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['type'] },
) as fc.Arbitrary<FrameHeader>;

const frameArb = fc.record({ header: headerArb, tensors: fc.array(tensorArb, { maxLength: 4 }) });

/** Bytes equal, NaN payloads included (float equality would not see them). */
const bytesOf = (t: WireTensor): Uint8Array => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
const canonical = (h: unknown): unknown => JSON.parse(JSON.stringify(h));

function expectSame(got: Frame, want: { header: FrameHeader; tensors: WireTensor[] }): void {
  expect(got.header).toEqual(canonical(want.header));
  expect(got.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual(want.tensors.map((t) => [t.name, t.dtype, t.shape]));
  got.tensors.forEach((t, i) => {
    expect(t.data.constructor).toBe(want.tensors[i]!.data.constructor);
    expect(Array.from(bytesOf(t))).toEqual(Array.from(bytesOf(want.tensors[i]!)));
  });
}

/** Split bytes at the given cut points (fractions of the length). */
function chunks(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Decode a stream fed in chunks; the outcome is frames, or the FrameError that stopped it (anything else propagates and fails the property). */
function decodeStream(parts: Uint8Array[]): { frames: Frame[]; error?: FrameError } {
  const d = new FrameDecoder(1 << 20);
  const frames: Frame[] = [];
  try {
    for (const p of parts) frames.push(...d.push(p));
    d.end();
    return { frames };
  } catch (e) {
    if (e instanceof FrameError) return { frames, error: e };
    throw e;
  }
}

describe('frame codec', () => {
  it('round-trips any header and tensors, however the stream is chunked', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        (frames, cuts) => {
          const stream = concat(frames.map((f) => encodeFrame(f.header, f.tensors)));
          const { frames: got, error } = decodeStream(chunks(stream, cuts));
          expect(error).toBeUndefined();
          expect(got).toHaveLength(frames.length);
          got.forEach((g, i) => expectSame(g, frames[i]!));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('puts the payload on an 8-byte boundary, so tensors are views, not copies', () => {
    const x = Float64Array.of(1, 2, 3);
    const bytes = encodeFrame({ type: 'x', id: 1, pad: 'abc' }, [{ name: 'x', dtype: 'float64', shape: [3], data: x }]);
    const headerLength = new DataView(bytes.buffer).getUint32(4, true);
    expect((FRAME_PREFIX_BYTES + headerLength) % 8).toBe(0);
    const f = decodeFrame(bytes);
    expect(f.tensors[0]!.data.buffer.byteLength).toBe(bytes.length);
  });

  it('any truncation is a FrameError at the end of the stream, never a wait for more', () => {
    fc.assert(
      fc.property(frameArb, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (f, where) => {
        const bytes = encodeFrame(f.header, f.tensors);
        const cut = Math.floor(where * bytes.length);
        const { frames, error } = decodeStream([bytes.subarray(0, cut)]);
        expect(frames).toHaveLength(0);
        if (cut === 0) expect(error).toBeUndefined();
        else expect(error?.part).toBe('truncated');
      }),
      { numRuns: 300 },
    );
  });

  it('bytes outside a frame are named by what they are', () => {
    fc.assert(
      fc.property(frameArb, fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.boolean(), (f, junk, before) => {
        // Junk that happens to start with the magic is a (broken) frame, not junk: skip it.
        fc.pre(junk[0] !== 0x4d);
        const good = encodeFrame(f.header, f.tensors);
        const { frames, error } = decodeStream(before ? [concat([junk, good])] : [good, junk]);
        expect(error?.part).toBe('magic');
        expect(error?.message).toContain('bytes outside a frame');
        expect(frames).toHaveLength(before ? 0 : 1);
      }),
      { numRuns: 200 },
    );
  });

  it('any corruption of the bytes gives frames or a FrameError — never another error, never a hang', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 2 }),
        fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), value: fc.integer({ min: 0, max: 255 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
        (frames, flips, cuts) => {
          const stream = concat(frames.map((f) => encodeFrame(f.header, f.tensors)));
          for (const { at, value } of flips) stream[Math.floor(at * stream.length)] = value;
          const started = performance.now();
          const { frames: got } = decodeStream(chunks(stream, cuts));
          // A flip inside tensor bytes or a JSON string decodes to other values (the format has no checksum:
          // a pipe does not flip bits; what goes wrong on one is stray output, truncation and wrong lengths).
          expect(got.length).toBeLessThanOrEqual(frames.length);
          expect(performance.now() - started).toBeLessThan(1000);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('lengths beyond the limits are refused before any allocation', () => {
    const bytes = encodeFrame({ type: 'x' });
    const huge = bytes.slice();
    new DataView(huge.buffer).setUint32(8, 0xffffffff, true);
    expect(() => decodeFrame(huge)).toThrow(/payload length 4294967295 exceeds the limit/);
    const noHeader = bytes.slice();
    new DataView(noHeader.buffer).setUint32(4, 0, true);
    expect(() => decodeFrame(noHeader)).toThrow(/header length 0 is outside/);
  });

  it('a tensor table that does not add up to the payload names the message and its tensors', () => {
    const bytes = encodeFrame({ type: 'predict', id: 7 }, [{ name: 'x', dtype: 'float32', shape: [2], data: Float32Array.of(1, 2) }]);
    const text = new TextDecoder().decode(bytes);
    const lying = new TextEncoder().encode(text.replace('"shape":[2]', '"shape":[3]'));
    expect(() => decodeFrame(lying)).toThrow(/message 'predict' \(id 7\): its tensors \(x float32 \[3\]\) need 12 bytes, the payload has 8/);
    const badDtype = new TextEncoder().encode(text.replace('"float32"', '"float16"'));
    expect(() => decodeFrame(badDtype)).toThrow(/tensors\[0\] \("x"\): dtype "float16" is not one of/);
  });

  it('poisons the decoder after an error: the stream has lost its framing', () => {
    const d = new FrameDecoder();
    expect(() => d.push(new TextEncoder().encode('hello\n'))).toThrow(FrameError);
    expect(() => d.push(encodeFrame({ type: 'x' }))).toThrow(/bytes outside a frame.*"hello\\n"/);
  });
});
