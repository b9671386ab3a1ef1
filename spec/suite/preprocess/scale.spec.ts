import fc from 'fast-check';
import { expect } from 'vitest';
import { ArgumentError } from '../../../src/errors.js';
import { divideByMax, flatten, scale255, toFloat32 } from '../../../src/preprocess/index.js';
import { dtypeOf, sliceRows, tensor } from '../../../src/tensor.js';
import { contract, seed } from '../../../src/harness/claims.js';
import { thrown } from '../../support/errors.js';
import { suiteSpecs } from '../../../src/harness/spec.js';

const spec = suiteSpecs(import.meta.url);

const f32 = new Float32Array(1);
const bits = new Uint32Array(f32.buffer);

/** The float32 values just below and above a float32 r ≥ 0 (bit pattern ± 1; around 0, ± the least subnormal). */
function float32Neighbours(r: number): [number, number] {
  if (r === 0) return [-(2 ** -149), 2 ** -149];
  f32[0] = r;
  const b = bits[0]!;
  bits[0] = b - 1;
  const down = f32[0]!;
  bits[0] = b + 1;
  const up = f32[0]!;
  return [down, up];
}

/**
 * r is the float32 nearest v / d (v, d, r ≥ 0 float32, d ≤ 255): no float32 neighbour of r is closer.
 * c * d is exact in a double (24 + 8 bits) and c * d - v is exact (Sterbenz: the two are within a factor 2),
 * so this checks correct rounding exactly, without dividing.
 */
function isNearestQuotient(r: number, v: number, d: number): boolean {
  if (v === 0) return Object.is(r, 0);
  const err = (c: number): number => Math.abs(c * d - v);
  return float32Neighbours(r).every((c) => err(r) <= err(c));
}

const pixels = fc.integer({ min: 0, max: 6 }).chain((n) => fc.uint8Array({ minLength: n * 4, maxLength: n * 4 }).map((d) => tensor(d, [n, 4])));

spec({ name: 'to-float32:exact-copy', claim: seed('001', "x_train = x_train.astype('float32')") }, () => {
  fc.assert(
    fc.property(pixels, (x) => {
      const y = toFloat32(x);
      expect(dtypeOf(y)).toBe('float32');
      expect(y.shape).toEqual(x.shape);
      expect(Array.from(y.data)).toEqual(Array.from(x.data));
      expect(y.data.buffer).not.toBe(x.data.buffer); // astype copies
    }),
    { numRuns: 50 },
  );
  // astype('float32') rounds wider integers to the nearest float32
  expect(toFloat32(tensor(Int32Array.of(16777217), [1])).data[0]).toBe(16777216);
});

spec({ name: 'scale255:correctly-rounded', claim: seed('001', 'x_train /= 255') }, ({ record }) => {
  const all = scale255(
    tensor(
      Uint8Array.from({ length: 256 }, (_, k) => k),
      [256],
    ),
  );
  for (let k = 0; k < 256; k++) expect(isNearestQuotient(all.data[k]!, k, 255), `k = ${k}`).toBe(true);
  expect(all.data[0]).toBe(0);
  expect(all.data[255]).toBe(1);
  expect(all.data[1]).toBe(0.003921568859368563); // np.float32(1) / np.float32(255)
  record({ 1: all.data[1], 128: all.data[128], 255: all.data[255] });
  // float32 input: the float32 division numpy does for `x /= 255` on a float32 array
  fc.assert(
    fc.property(fc.float({ min: 0, max: Math.fround(1e30), noNaN: true }), (v) => {
      expect(isNearestQuotient(scale255(tensor(Float32Array.of(v), [1])).data[0]!, v, 255)).toBe(true);
    }),
    { numRuns: 300 },
  );
});

spec({ name: 'scale255:unit-range-monotone', claim: seed('002', 'X_train /= 255 # Normalise data to [0, 1] range') }, () => {
  fc.assert(
    fc.property(pixels, (x) => {
      const y = scale255(x);
      expect(dtypeOf(y)).toBe('float32');
      expect(y.shape).toEqual(x.shape);
      for (let i = 0; i < y.data.length; i++) {
        expect(y.data[i]).toBeGreaterThanOrEqual(0);
        expect(y.data[i]).toBeLessThanOrEqual(1);
        for (let j = 0; j < y.data.length; j++) {
          // strictly monotone: the order of pixels is the order of their scaled values
          expect(Math.sign(y.data[i]! - y.data[j]!)).toBe(Math.sign(x.data[i]! - x.data[j]!));
        }
      }
    }),
    { numRuns: 60 },
  );
});

spec({ name: 'scale255:zero-pixel', claim: seed('002', 'X_train[59999][783] 0.0') }, ({ record }) => {
  const flat = flatten(tensor(new Uint8Array(60000 * 28 * 28), [60000, 28, 28]));
  const last = scale255(sliceRows(flat, 59999, 60000)).data[783]!; // elementwise: scaling one row is scaling its slice
  record(last);
  expect(Object.is(last, 0)).toBe(true); // +0, which numpy prints as 0.0
});

spec({ name: 'divide-by-max:max-is-one', claim: seed('000', 'X_train = np.divide(X_train,[np.max(X_train)])') }, () => {
  fc.assert(
    fc.property(
      pixels.filter((x) => x.data.some((v) => v > 0)),
      (x) => {
        const max = Math.max(...x.data);
        const y = divideByMax(x);
        expect(dtypeOf(y)).toBe('float32');
        expect(y.shape).toEqual(x.shape);
        expect(Math.max(...y.data)).toBe(1);
        for (let i = 0; i < x.data.length; i++) expect(isNearestQuotient(y.data[i]!, x.data[i]!, max)).toBe(true);
      },
    ),
    { numRuns: 100 },
  );
});

spec({ name: 'divide-by-max:idempotent', claim: seed('000', '1.0 1.0 1.0 1.0') }, () => {
  // Seed 000's cell ran twice, so its "before" line already reads 1.0: a second division by the max is a no-op.
  fc.assert(
    fc.property(
      pixels.filter((x) => x.data.some((v) => v > 0)),
      (x) => {
        const once = divideByMax(x);
        expect(Array.from(divideByMax(once).data)).toEqual(Array.from(once.data));
      },
    ),
    { numRuns: 60 },
  );
});

spec({ name: 'divide-by-max:is-scale255-for-mnist', claim: seed('004', 'normalise by dividing by (max-min) i.e. (255-0)') }, () => {
  // With a 255 pixel present (every MNIST split has one), seed 000's normalisation is the other notebooks' /255.
  fc.assert(
    fc.property(pixels, (x) => {
      const withWhite = tensor(Uint8Array.from([...x.data, 255]), [x.data.length + 1]);
      expect(Array.from(divideByMax(withWhite).data)).toEqual(Array.from(scale255(withWhite).data));
    }),
    { numRuns: 60 },
  );
});

spec(
  {
    name: 'divide-by-max:refuses-no-positive-max',
    claim: contract('src/preprocess/scale.ts divideByMax', "Refused with ArgumentError instead of numpy's NaN/inf"),
  },
  () => {
    const cases = [
      tensor(new Uint8Array(784), [1, 784]), // all zero: numpy gives 0/0 = NaN everywhere
      tensor(new Uint8Array(0), [0, 784]),
      tensor(Float32Array.of(-3, -1), [2]),
      tensor(Float32Array.of(1, NaN), [2]),
      tensor(Float32Array.of(1, Infinity), [2]),
    ];
    for (const x of cases) {
      const e = thrown(() => divideByMax(x));
      expect(e).toBeInstanceOf(ArgumentError);
      expect((e as ArgumentError).argument).toBe('x');
    }
  },
);
