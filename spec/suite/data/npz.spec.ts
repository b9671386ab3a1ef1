import fc from 'fast-check';
import { zipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { decodeNpy, encodeNpy } from '../../../src/data/npy.js';
import { decodeNpz, encodeNpz, MNIST_NPZ_ARRAYS } from '../../../src/data/npz.js';
import { tensor, type U8Tensor } from '../../../src/tensor.js';
import { contract, keras } from '../../../src/harness/claims.js';
import { formatErrorOf, synthMnist } from '../../support/data.js';
import { suiteSpecs } from '../../../src/harness/spec.js';

const spec = suiteSpecs(import.meta.url);

const NPY_FORMAT = 'numpy.lib.format';
const NPY_CLAIM = contract(NPY_FORMAT, 'The first 6 bytes are a magic string: exactly ``\\x93NUMPY``.');
const ERRORS_CLAIM = contract('src/errors.ts', 'Bytes that do not decode: names the file and the field');
const NPZ_CLAIM = keras('keras/datasets/mnist.py', "x_train, y_train = f['x_train'], f['y_train']");
const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/data');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name)));
const FILE = 'fuzz/mnist.npz';
const NPY_FIELD = '(magic|version|header|descr|fortran_order|shape|data)';
const NPZ_FIELD = new RegExp(`^(zip|[xy]_(train|test)\\.npy(: ${NPY_FIELD})?)$`);
const RUNS = { numRuns: 100 };

const u8Tensor = (maxDims: number): fc.Arbitrary<U8Tensor> =>
  fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: maxDims }).chain((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return fc.uint8Array({ minLength: n, maxLength: n }).map((data) => tensor(data, shape));
  });

/** Small MNIST-like archives: images [n, 2, 3] and labels [n] for each split (decodeNpz does not check MNIST shapes). */
const mnistArrays = fc.record({ x_train: u8Tensor(3), y_train: u8Tensor(1), x_test: u8Tensor(3), y_test: u8Tensor(1) });

function npzDecodesOrNamesField(bytes: Uint8Array): void {
  const e = formatErrorOf(() => decodeNpz(bytes, FILE, MNIST_NPZ_ARRAYS));
  if (e) {
    expect(e.file).toBe(FILE);
    expect(e.field).toMatch(NPZ_FIELD);
  }
}

spec({ name: 'npy:round-trip', claim: NPY_CLAIM }, () => {
  fc.assert(
    fc.property(u8Tensor(4), fc.constantFrom(1 as const, 2 as const, 3 as const), (t, version) => {
      const back = decodeNpy(encodeNpy(t, { version }), 'a.npy');
      expect(back.shape).toEqual(t.shape);
      expect(back.data).toEqual(t.data);
    }),
    RUNS,
  );
});

// What np.save writes (fixtures/data/make_fixtures.py): the encoder matches it byte for byte, the decoder reads it.
const arange24 = tensor(
  Uint8Array.from({ length: 24 }, (_, i) => i),
  [2, 3, 4],
);
const NP_SAVE: [string, U8Tensor, 1 | 2 | 3][] = [
  ['np-v1.npy', arange24, 1],
  ['np-v2.npy', arange24, 2],
  ['np-v3.npy', arange24, 3],
  ['np-1d.npy', tensor(Uint8Array.from([5, 0, 4]), [3]), 1],
  ['np-scalar.npy', tensor(Uint8Array.from([7]), []), 1],
];
for (const [name, t, version] of NP_SAVE) {
  spec(
    {
      name: 'npy:np-save',
      params: { file: name },
      claim: contract(NPY_FORMAT, "The next HEADER_LEN bytes form the header data describing the array's format."),
    },
    () => {
      const bytes = fixture(name);
      const back = decodeNpy(bytes, name);
      expect(back.shape).toEqual(t.shape);
      expect(back.data).toEqual(t.data);
      expect(encodeNpy(t, { version })).toEqual(bytes);
    },
  );
}

spec({ name: 'npy:fortran-order', claim: contract(NPY_FORMAT, '"fortran_order" : bool') }, () => {
  const e = formatErrorOf(() => decodeNpy(fixture('np-fortran.npy'), 'np-fortran.npy'));
  expect(e).toMatchObject({ file: 'np-fortran.npy', field: 'fortran_order' });
});

spec({ name: 'npy:dtype:int64', claim: keras('keras/datasets/mnist.py (tf.keras)', '**y_train, y_test**: uint8 arrays of digit labels') }, () => {
  const e = formatErrorOf(() => decodeNpy(fixture('np-int64.npy'), 'np-int64.npy'));
  expect(e).toMatchObject({ file: 'np-int64.npy', field: 'descr' });
  expect(e!.detail).toContain('<i8');
});

for (const name of ['np-savez.npz', 'np-savez-compressed.npz']) {
  spec({ name: 'np-savez', params: { file: name }, claim: NPZ_CLAIM }, () => {
    const a = decodeNpz(fixture(name), name, MNIST_NPZ_ARRAYS);
    const want = synthMnist(3, 2);
    expect(a.x_train).toEqual(want.xTrain);
    expect(a.x_test).toEqual(want.xTest);
    expect(Array.from(a.y_train.data)).toEqual([5, 0, 4]);
    expect(Array.from(a.y_test.data)).toEqual([7, 2]);
  });
}

spec({ name: 'round-trip', claim: NPZ_CLAIM }, () => {
  fc.assert(
    fc.property(mnistArrays, fc.boolean(), (arrays, compress) => {
      const back = decodeNpz(encodeNpz(arrays, { compress }), FILE, MNIST_NPZ_ARRAYS);
      for (const name of MNIST_NPZ_ARRAYS) {
        expect(back[name].shape).toEqual(arrays[name].shape);
        expect(back[name].data).toEqual(arrays[name].data);
      }
    }),
    RUNS,
  );
});

spec({ name: 'truncated', claim: ERRORS_CLAIM }, () => {
  fc.assert(
    fc.property(
      mnistArrays.chain((arrays) => {
        const bytes = encodeNpz(arrays);
        return fc.tuple(fc.constant(bytes), fc.integer({ min: 0, max: bytes.length - 1 }));
      }),
      ([bytes, cut]) => {
        // The central directory is at the end: any cut loses it.
        const e = formatErrorOf(() => decodeNpz(bytes.subarray(0, cut), FILE, MNIST_NPZ_ARRAYS));
        expect(e).toMatchObject({ file: FILE, field: 'zip' });
      },
    ),
    RUNS,
  );
});

spec({ name: 'mutated', claim: ERRORS_CLAIM }, () => {
  fc.assert(
    fc.property(
      mnistArrays.chain((arrays) => {
        const bytes = encodeNpz(arrays, { compress: false });
        return fc.tuple(fc.constant(bytes), fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }));
      }),
      ([bytes, edits]) => {
        const b = new Uint8Array(bytes);
        for (const [at, delta] of edits) b[at] = (b[at]! + delta) % 256;
        npzDecodesOrNamesField(b);
      },
    ),
    { numRuns: 300 },
  );
});

const CRC_CLAIM = contract('src/data/npz.ts', "Each member's bytes are checked against the size and CRC-32 its central directory entry declares");

spec({ name: 'crc:damaged-member', claim: CRC_CLAIM }, () => {
  fc.assert(
    fc.property(
      mnistArrays
        .filter((a) => a.x_train.data.length > 0)
        .chain((arrays) => {
          const bytes = encodeNpz(arrays, { compress: false });
          // The x_train member's .npy bytes sit in the stored archive as they are: damage one of them.
          const npy = encodeNpy(arrays.x_train);
          const at = Buffer.from(bytes).indexOf(Buffer.from(npy));
          return fc.tuple(
            fc.constant(bytes),
            fc.constant(at),
            fc.integer({ min: npy.length - arrays.x_train.data.length, max: npy.length - 1 }),
            fc.integer({ min: 1, max: 255 }),
          );
        }),
      ([bytes, at, offset, delta]) => {
        fc.pre(at >= 0);
        const b = new Uint8Array(bytes);
        b[at + offset] = (b[at + offset]! + delta) % 256;
        const e = formatErrorOf(() => decodeNpz(b, FILE, MNIST_NPZ_ARRAYS));
        expect(e).toMatchObject({ file: FILE, field: 'x_train.npy' });
        expect(e!.message).toMatch(/CRC-32 [0-9a-f]{8} does not match/);
      },
    ),
    RUNS,
  );
});

spec({ name: 'crc:under-declared-size', claim: CRC_CLAIM }, () => {
  // A deflated member whose entries declare 10 bytes less than it holds: fflate inflates into a buffer of the
  // declared size and stops there, so without the check the array would come back cut short.
  const arrays = synthMnist(3, 2);
  const bytes = new Uint8Array(encodeNpz({ x_train: arrays.xTrain, y_train: arrays.yTrain, x_test: arrays.xTest, y_test: arrays.yTest }));
  const view = new DataView(bytes.buffer);
  const name = new TextEncoder().encode('x_train.npy');
  let patched = 0;
  for (let o = 0; o + 46 < bytes.length; o++) {
    const central = view.getUint32(o, true) === 0x02014b50;
    const local = view.getUint32(o, true) === 0x04034b50;
    if (!central && !local) continue;
    const nameAt = o + (central ? 46 : 30);
    if (!name.every((c, i) => bytes[nameAt + i] === c)) continue;
    const sizeAt = o + (central ? 24 : 22);
    view.setUint32(sizeAt, view.getUint32(sizeAt, true) - 10, true);
    patched++;
  }
  expect(patched).toBe(2);
  const e = formatErrorOf(() => decodeNpz(bytes, FILE, MNIST_NPZ_ARRAYS));
  expect(e).toMatchObject({ file: FILE, field: 'x_train.npy' });
  expect(e!.message).toMatch(/CRC-32|decompressed to/);
});

spec({ name: 'random-bytes', claim: ERRORS_CLAIM }, () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => npzDecodesOrNamesField(bytes)),
    { numRuns: 300 },
  );
});

/** A v1 .npy of `n` data bytes whose header is the given text (padded as np.save pads). */
function npyWithHeader(header: string, n = 0): Uint8Array {
  const text = new TextEncoder().encode(header + '\n');
  const out = new Uint8Array(10 + text.length + n);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, text.length & 0xff, text.length >> 8]);
  out.set(text, 10);
  return out;
}

spec({ name: 'npy:random-header', claim: ERRORS_CLAIM }, () => {
  const token = fc.constantFrom(
    "{'descr': ",
    "'|u1'",
    "'fortran_order': ",
    'False',
    'True',
    "'shape': ",
    '(',
    ')',
    '[',
    ']',
    ', ',
    '}',
    '1',
    '99999999999999999999',
    '-3',
    "'",
    ':',
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.array(token, { maxLength: 20 }).map((t) => t.join('')),
        fc.string({ maxLength: 40 }),
      ),
      fc.nat(8),
      (header, n) => {
        const e = formatErrorOf(() => decodeNpy(npyWithHeader(header, n), 'h.npy'));
        if (e) {
          expect(e.file).toBe('h.npy');
          expect(e.field).toMatch(new RegExp(`^${NPY_FIELD}$`));
        }
      },
    ),
    { numRuns: 500 },
  );
});

const HOSTILE_NPY: { name: string; bytes: () => Uint8Array; field: string }[] = [
  { name: 'not-npy', bytes: () => new TextEncoder().encode('PK\x03\x04 not numpy'), field: 'magic' },
  { name: 'version-4', bytes: () => Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 4, 0, 0, 0]), field: 'version' },
  { name: 'header-length-cut', bytes: () => Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0xff]), field: 'header' },
  { name: 'header-too-long', bytes: () => Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0xff, 0xff, 0xff, 0xff]), field: 'header' },
  { name: 'header-past-end', bytes: () => npyWithHeader("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }").subarray(0, 40), field: 'header' },
  { name: 'not-a-dict', bytes: () => npyWithHeader('[1, 2, 3]'), field: 'header' },
  { name: 'missing-key', bytes: () => npyWithHeader("{'descr': '|u1', 'shape': (1,)}", 1), field: 'header' },
  { name: 'extra-key', bytes: () => npyWithHeader("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), 'x': 1}", 1), field: 'header' },
  { name: 'deep-nesting', bytes: () => npyWithHeader("{'descr': '|u1', 'fortran_order': False, 'shape': " + '('.repeat(5000)), field: 'header' },
  { name: 'float32', bytes: () => npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4), field: 'descr' },
  { name: 'structured', bytes: () => npyWithHeader("{'descr': [('a', '|u1')], 'fortran_order': False, 'shape': (1,), }", 1), field: 'descr' },
  { name: 'fortran-not-bool', bytes: () => npyWithHeader("{'descr': '|u1', 'fortran_order': 0, 'shape': (1,), }", 1), field: 'fortran_order' },
  { name: 'shape-not-tuple', bytes: () => npyWithHeader("{'descr': '|u1', 'fortran_order': False, 'shape': 3, }", 3), field: 'shape' },
  { name: 'shape-negative', bytes: () => npyWithHeader("{'descr': '|u1', 'fortran_order': False, 'shape': (-1,), }"), field: 'shape' },
  { name: 'shape-huge', bytes: () => npyWithHeader("{'descr': '|u1', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"), field: 'shape' },
  { name: 'data-short', bytes: () => npyWithHeader("{'descr': '|u1', 'fortran_order': False, 'shape': (60000, 28, 28), }", 784), field: 'data' },
  { name: 'data-long', bytes: () => npyWithHeader("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", 3), field: 'data' },
];

for (const h of HOSTILE_NPY) {
  spec({ name: `npy:hostile:${h.name}`, claim: ERRORS_CLAIM }, () => {
    const e = formatErrorOf(() => decodeNpy(h.bytes(), 'x_train.npy'));
    expect(e).toMatchObject({ file: 'x_train.npy', field: h.field });
    // Inside an archive the same problem names the archive, the member and the field.
    const d = synthMnist(1, 1);
    const zip = zipSync({ 'x_train.npy': h.bytes(), 'y_train.npy': encodeNpy(d.yTrain), 'x_test.npy': encodeNpy(d.xTest), 'y_test.npy': encodeNpy(d.yTest) });
    expect(formatErrorOf(() => decodeNpz(zip, FILE, MNIST_NPZ_ARRAYS))).toMatchObject({ file: FILE, field: `x_train.npy: ${h.field}` });
  });
}

/** Offset of the central-directory entry of `member` (signature 50 4b 01 02, name at +46). */
function centralEntry(zip: Uint8Array, member: string): number {
  const name = new TextEncoder().encode(member);
  for (let i = zip.length - 46; i >= 0; i--) {
    if (zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 1 && zip[i + 3] === 2 && name.every((c, j) => zip[i + 46 + j] === c)) return i;
  }
  throw new Error(`no central entry for ${member}`);
}

const HOSTILE_NPZ: { name: string; bytes: () => Uint8Array; field: string }[] = [
  { name: 'empty', bytes: () => new Uint8Array(0), field: 'zip' },
  { name: 'missing-member', bytes: () => encodeNpz({ x_train: synthMnist(1, 1).xTrain }), field: 'y_train.npy' },
  {
    name: 'compression-method',
    bytes: () => {
      const zip = encodeNpz({ x_train: synthMnist(1, 1).xTrain }, { compress: false });
      zip[centralEntry(zip, 'x_train.npy') + 10] = 14; // LZMA
      return zip;
    },
    field: 'x_train.npy',
  },
  {
    name: 'declared-size',
    bytes: () => {
      const zip = encodeNpz({ x_train: synthMnist(1, 1).xTrain });
      new DataView(zip.buffer).setUint32(centralEntry(zip, 'x_train.npy') + 24, 0x7fffffff, true); // uncompressed size
      return zip;
    },
    field: 'x_train.npy',
  },
  {
    name: 'member-count',
    bytes: () => {
      // An end-of-central-directory record claiming 65535 entries, all of them zeros past the end.
      const zip = encodeNpz({ x_train: synthMnist(1, 1).xTrain });
      const eocd = zip.length - 22;
      new DataView(zip.buffer).setUint16(eocd + 8, 0xffff, true);
      new DataView(zip.buffer).setUint16(eocd + 10, 0xffff, true);
      return zip;
    },
    field: 'zip',
  },
];

for (const h of HOSTILE_NPZ) {
  spec({ name: `hostile:${h.name}`, claim: ERRORS_CLAIM }, () => {
    expect(formatErrorOf(() => decodeNpz(h.bytes(), FILE, MNIST_NPZ_ARRAYS))).toMatchObject({ file: FILE, field: h.field });
  });
}
