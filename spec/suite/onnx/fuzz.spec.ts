import fc from 'fast-check';
import { expect } from 'vitest';
import { checkWeights, resolveArchitecture } from '../../../src/arch/resolve.js';
import type { Architecture } from '../../../src/arch/types.js';
import { DataFormatError, UnsupportedError } from '../../../src/errors.js';
import { exportOnnx } from '../../../src/onnx/export.js';
import { importOnnx } from '../../../src/onnx/import.js';
import { onnx, type IModelProto } from '../../../src/onnx/proto.js';
import { contract } from '../../../src/harness/claims.js';
import { suiteSpecs } from '../../../src/harness/spec.js';
import { distinctWeights, EVERY_OPTION } from '../../support/onnx-fixtures.js';

const spec = suiteSpecs(import.meta.url);

/**
 * Damaged ONNX files: importOnnx returns a coherent model (weights that fit its architecture), or throws
 * DataFormatError or UnsupportedError — never anything else, and never slowly. The bases are small real
 * exports, so most mutations land in structure (node lists, attributes, shapes) rather than in weight bytes.
 */
const TINY_MLP: Architecture = {
  kind: 'sequential',
  inputShape: [4, 4],
  layers: [
    { type: 'Flatten' },
    { type: 'Dense', units: 6, activation: 'relu' },
    { type: 'Dropout', rate: 0.5 },
    { type: 'Dense', units: 3, activation: 'softmax' },
  ],
};

const export_ = (arch: Architecture, embedArchitecture: boolean, opset?: number): Uint8Array =>
  exportOnnx(arch, distinctWeights(resolveArchitecture(arch), 1), { embedArchitecture, ...(opset ? { opset } : {}) });

const BASES: [string, Uint8Array][] = [
  ['every-option', export_(EVERY_OPTION, true)],
  ['every-option-graph-only', export_(EVERY_OPTION, false)],
  ['tiny-mlp-opset13', export_(TINY_MLP, false, 13)],
];

/** Per base: how the damaged files fared, and the slowest import. */
interface Outcomes {
  imported: number;
  dataFormat: number;
  unsupported: number;
  slowestMs: number;
}

function judge(bytes: Uint8Array, out: Outcomes): void {
  const t0 = performance.now();
  try {
    const m = importOnnx(bytes, 'fuzz.onnx');
    checkWeights(resolveArchitecture(m.arch), m.weights);
    out.imported++;
  } catch (e) {
    if (e instanceof DataFormatError) out.dataFormat++;
    else if (e instanceof UnsupportedError) out.unsupported++;
    else throw e;
  } finally {
    out.slowestMs = Math.max(out.slowestMs, performance.now() - t0);
  }
}

const MUTATIONS: Record<string, (base: Uint8Array) => fc.Arbitrary<Uint8Array>> = {
  'byte-flips': (base) =>
    fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
      const b = base.slice();
      for (const [at, xor] of flips) b[at]! ^= xor;
      return b;
    }),
  truncation: (base) => fc.nat({ max: base.length - 1 }).map((n) => base.slice(0, n)),
  insertion: (base) =>
    fc.tuple(fc.nat({ max: base.length }), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([at, bytes]) => {
      const b = new Uint8Array(base.length + bytes.length);
      b.set(base.subarray(0, at));
      b.set(bytes, at);
      b.set(base.subarray(at), at + bytes.length);
      return b;
    }),
  deletion: (base) =>
    fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 1, max: 32 })).map(([at, n]) => {
      const b = new Uint8Array(base.length);
      b.set(base.subarray(0, at));
      b.set(base.subarray(at + n), at);
      return b.subarray(0, base.length - Math.min(n, base.length - at));
    }),
};

const CLAIM = contract(
  'src/errors.ts',
  'Every error a user can cause names what was wrong: the file and field for bad data, the argument for bad usage, the layer for an unsupported model. Nothing else should escape to a user.',
);
// An import of a few-kilobyte file takes well under a millisecond; a second means a loop that depends on the damage.
const SLOW_MS = 1000;

for (const [baseName, base] of BASES) {
  for (const [mutation, arbitrary] of Object.entries(MUTATIONS)) {
    spec({ name: `${mutation}`, params: { base: baseName }, claim: CLAIM }, (ctx) => {
      const out: Outcomes = { imported: 0, dataFormat: 0, unsupported: 0, slowestMs: 0 };
      fc.assert(
        fc.property(arbitrary(base), (bytes) => judge(bytes, out)),
        { numRuns: 150, seed: 20240601 },
      );
      expect(out.slowestMs).toBeLessThan(SLOW_MS);
      ctx.record(out, `only DataFormatError/UnsupportedError or a coherent model; each import < ${SLOW_MS} ms`);
    });
  }

  spec({ name: 'every-prefix', params: { base: baseName }, claim: CLAIM }, (ctx) => {
    const out: Outcomes = { imported: 0, dataFormat: 0, unsupported: 0, slowestMs: 0 };
    for (let n = 0; n < base.length; n++) judge(base.subarray(0, n), out);
    // A protobuf cut short cannot decode: every proper prefix is a DataFormatError (or a prefix that ends
    // between fields and so decodes as a model missing its tail, which must then be rejected or coherent).
    expect(out.dataFormat).toBeGreaterThan(0);
    expect(out.slowestMs).toBeLessThan(SLOW_MS);
    ctx.record(out, 'every proper prefix: DataFormatError, UnsupportedError or a coherent model');
  });
}

/** Hand-made hostile files, each with the field its DataFormatError must name. */
const HOSTILE: [string, () => Uint8Array, RegExp][] = [
  ['empty', () => new Uint8Array(0), /^empty: graph: missing/],
  // A million nested protobuf groups: the decoder's recursion overflows the stack, which must not escape.
  ['nested-groups', () => new Uint8Array(2_000_000).map((_, i) => (i % 2 ? 0x06 : 0xa3)), /^nested-groups: ModelProto: not a readable ONNX protobuf/],
  ['length-past-end', () => new Uint8Array([0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]), /^length-past-end: ModelProto: not a readable ONNX protobuf/],
  ['huge-dims', () => edit((m) => void (m.graph!.initializer![0]!.dims = [2 ** 40])), /^huge-dims: tensor "conv2d_1\/kernel:0".dims: .* are not sizes/],
  [
    'dims-vs-raw-data',
    () => edit((m) => void (m.graph!.initializer![0]!.dims = [3, 2, 3, 4])),
    /^dims-vs-raw-data: tensor "conv2d_1\/kernel:0".raw_data: 216 bytes for dims \[3, 2, 3, 4\], which need 288/,
  ],
  [
    'attribute-type',
    () => edit((m) => void (m.graph!.node![0]!.attribute![0]!.type = onnx.AttributeProto.AttributeType.FLOATS)),
    /^attribute-type: graph.node\["conv2d_1\/transpose_nchw"\].perm: expected a INTS attribute, got FLOATS/,
  ],
  [
    'cycle',
    () => edit((m) => void (m.graph!.node![1]!.output = [m.graph!.node![0]!.input![0]!])),
    /^cycle: graph.node\["conv2d_1\/transpose_nchw"\]: the graph has a cycle/,
  ],
];

function edit(change: (m: IModelProto) => void): Uint8Array {
  const m = onnx.ModelProto.decode(BASES[1]![1]);
  change(m);
  return onnx.ModelProto.encode(m).finish();
}

for (const [name, make, field] of HOSTILE) {
  spec({ name: 'hostile', params: { case: name }, claim: contract('src/errors.ts', 'Bytes that do not decode: names the file and the field') }, (ctx) => {
    expect(() => importOnnx(make(), name)).toThrow(DataFormatError);
    expect(() => importOnnx(make(), name)).toThrow(field);
    ctx.record(field.source);
  });
}
