import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { decodeIdx, encodeIdx, gunzipBounded, MAX_IDX_NDIM } from '../../../src/data/idx.js';
import { MAX_DECODED_BYTES } from '../../../src/data/limits.js';
import { tensor, type U8Tensor } from '../../../src/tensor.js';
import { contract, mnistReadme } from '../../../src/harness/claims.js';
import { formatErrorOf } from '../../support/data.js';
import { suiteSpecs } from '../../../src/harness/spec.js';

const spec = suiteSpecs(import.meta.url);

const IDX_FORMAT = 'yann.lecun.com/exdb/mnist (the IDX file format)';
const MAGIC_CLAIM = contract(IDX_FORMAT, 'The magic number is an integer (MSB first). The first 2 bytes are always 0.');
const ERRORS_CLAIM = contract('src/errors.ts', 'Bytes that do not decode: names the file and the field');
const FILE = 'fuzz/train-images-idx3-ubyte';
const IDX_FIELD = /^(gzip|magic|dtype|ndim|dims\[\d\]|data)$/;
const RUNS = { numRuns: 200 };

/** Small unsigned-byte tensors of 1 to 4 dimensions (sizes 0 to 5). */
const u8Tensor: fc.Arbitrary<U8Tensor> = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }).chain((shape) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.uint8Array({ minLength: n, maxLength: n }).map((data) => tensor(data, shape));
});

/** The field a raw IDX file truncated to `cut` bytes must be reported under. */
function truncatedField(t: U8Tensor, cut: number): string {
  if (cut < 4) return 'magic';
  const header = 4 + 4 * t.shape.length;
  return cut < header ? `dims[${Math.floor((cut - 4) / 4)}]` : 'data';
}

/** Assert the decode either succeeds or fails with a DataFormatError naming FILE and a known field. */
function decodesOrNamesField(bytes: Uint8Array): void {
  const e = formatErrorOf(() => decodeIdx(bytes, FILE));
  if (e) {
    expect(e.file).toBe(FILE);
    expect(e.field).toMatch(IDX_FIELD);
  }
}

spec({ name: 'round-trip', claim: MAGIC_CLAIM }, () => {
  fc.assert(
    fc.property(u8Tensor, fc.boolean(), (t, gzip) => {
      const back = decodeIdx(encodeIdx(t, { gzip }), FILE);
      expect(back.shape).toEqual(t.shape);
      expect(back.data).toEqual(t.data);
      expect(Object.getPrototypeOf(back.data)).toBe(Uint8Array.prototype);
    }),
    RUNS,
  );
});

spec({ name: 'magic:mnist', claim: mnistReadme('60000 × 28 × 28, magic 2051') }, () => {
  // MNIST's own magic numbers: 2049 for the 1-d label files, 2051 for the 3-d image files.
  const magic = (t: U8Tensor): number => new DataView(encodeIdx(t).buffer).getUint32(0, false);
  expect(magic(tensor(new Uint8Array(3), [3]))).toBe(2049);
  expect(magic(tensor(new Uint8Array(2 * 784), [2, 28, 28]))).toBe(2051);
});

spec({ name: 'truncated:raw', claim: ERRORS_CLAIM }, () => {
  fc.assert(
    fc.property(
      u8Tensor.chain((t) => {
        const len = encodeIdx(t).length;
        return fc.tuple(fc.constant(t), fc.integer({ min: 0, max: len - 1 }));
      }),
      ([t, cut]) => {
        const e = formatErrorOf(() => decodeIdx(encodeIdx(t).subarray(0, cut), FILE));
        expect(e).toBeDefined();
        expect(e!.file).toBe(FILE);
        expect(e!.field).toBe(truncatedField(t, cut));
      },
    ),
    RUNS,
  );
});

spec({ name: 'truncated:gzip', claim: ERRORS_CLAIM }, () => {
  fc.assert(
    fc.property(
      u8Tensor.chain((t) => {
        const gz = encodeIdx(t, { gzip: true });
        return fc.tuple(fc.constant(gz), fc.integer({ min: 2, max: gz.length - 1 }));
      }),
      ([gz, cut]) => {
        const e = formatErrorOf(() => decodeIdx(gz.subarray(0, cut), FILE));
        expect(e).toBeDefined();
        expect(e!.file).toBe(FILE);
        expect(e!.field).toBe('gzip');
      },
    ),
    RUNS,
  );
});

spec({ name: 'extra-bytes', claim: ERRORS_CLAIM }, () => {
  fc.assert(
    fc.property(u8Tensor, fc.uint8Array({ minLength: 1, maxLength: 16 }), (t, extra) => {
      const raw = encodeIdx(t);
      const bytes = new Uint8Array(raw.length + extra.length);
      bytes.set(raw);
      bytes.set(extra, raw.length);
      for (const input of [bytes, gzipSync(bytes)]) {
        const e = formatErrorOf(() => decodeIdx(input, FILE));
        expect(e?.field).toBe('data');
        expect(e?.file).toBe(FILE);
      }
    }),
    RUNS,
  );
});

spec({ name: 'mutated', claim: ERRORS_CLAIM }, () => {
  fc.assert(
    fc.property(
      u8Tensor.chain((t) => {
        const raw = encodeIdx(t);
        return fc.tuple(fc.constant(t), fc.integer({ min: 0, max: raw.length - 1 }), fc.integer({ min: 1, max: 255 }));
      }),
      fc.boolean(),
      ([t, at, delta], gzip) => {
        const raw = encodeIdx(t);
        raw[at] = (raw[at]! + delta) % 256;
        decodesOrNamesField(raw);
        // The first three bytes have one reading only: 00 00 08.
        if (at < 2) expect(formatErrorOf(() => decodeIdx(raw, FILE))?.field).toBe('magic');
        if (at === 2) expect(formatErrorOf(() => decodeIdx(raw, FILE))?.field).toBe('dtype');
        if (gzip) {
          // A mutated compressed stream: the gzip CRC or inflate catches it, or it decodes to some IDX.
          const gz = encodeIdx(t, { gzip: true });
          const i = at % gz.length;
          gz[i] = (gz[i]! + delta) % 256;
          decodesOrNamesField(gz);
        }
      },
    ),
    RUNS,
  );
});

spec({ name: 'random-bytes', claim: ERRORS_CLAIM }, () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (bytes, asGzip) => {
      decodesOrNamesField(asGzip ? Uint8Array.from([0x1f, 0x8b, ...bytes]) : bytes);
    }),
    { numRuns: 500 },
  );
});

/** A raw IDX header (magic then dims) followed by `data` bytes. */
function idx(magic: [number, number, number, number], dims: number[], dataBytes = 0): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + dataBytes);
  out.set(magic);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return out;
}

const HOSTILE: { name: string; bytes: () => Uint8Array; field: string; detail: RegExp }[] = [
  { name: 'empty', bytes: () => new Uint8Array(0), field: 'magic', detail: /truncated/ },
  { name: 'not-idx', bytes: () => new TextEncoder().encode('<html>404</html>'), field: 'magic', detail: /expected 00 00/ },
  { name: 'float', bytes: () => idx([0, 0, 0x0d, 1], [1], 4), field: 'dtype', detail: /float/ },
  { name: 'unknown-type', bytes: () => idx([0, 0, 0x42, 1], [1], 1), field: 'dtype', detail: /unknown/ },
  { name: 'ndim-0', bytes: () => idx([0, 0, 8, 0], []), field: 'ndim', detail: /0 dimensions/ },
  { name: 'ndim-255', bytes: () => idx([0, 0, 8, 255], []), field: 'ndim', detail: /255 dimensions/ },
  { name: 'huge-dims', bytes: () => idx([0, 0, 8, 3], [0xffffffff, 0xffffffff, 0xffffffff]), field: 'dims[0]', detail: /more than/ },
  { name: 'huge-product', bytes: () => idx([0, 0, 8, 3], [60000, 28, 28000]), field: 'dims[2]', detail: /more than/ },
  { name: 'claims-60000-images', bytes: () => idx([0, 0, 8, 3], [60000, 28, 28], 784), field: 'data', detail: /truncated/ },
  { name: 'header-cut', bytes: () => idx([0, 0, 8, 3], [2, 28]), field: 'dims[2]', detail: /truncated/ },
];

for (const h of HOSTILE) {
  spec({ name: `hostile:${h.name}`, claim: ERRORS_CLAIM }, () => {
    for (const bytes of [h.bytes(), gzipSync(h.bytes())]) {
      const e = formatErrorOf(() => decodeIdx(bytes, FILE));
      expect(e, h.name).toBeDefined();
      expect(e!.file).toBe(FILE);
      expect(e!.field).toBe(h.field);
      expect(e!.detail).toMatch(h.detail);
      expect(e!.message).toBe(`${FILE}: ${h.field}: ${e!.detail}`);
    }
  });
}

spec({ name: 'hostile:gzip-bomb', claim: ERRORS_CLAIM }, () => {
  // Output past the bound stops decompression: a small bound stands in for MAX_DECODED_BYTES.
  const bomb = gzipSync(new Uint8Array(1 << 20));
  const e = formatErrorOf(() => gunzipBounded(bomb, FILE, 1000));
  expect(e?.field).toBe('gzip');
  expect(e?.detail).toMatch(/more than 1000 bytes/);
  expect(MAX_DECODED_BYTES).toBeGreaterThan(60000 * 28 * 28);
  expect(MAX_IDX_NDIM).toBeGreaterThanOrEqual(3);
});
