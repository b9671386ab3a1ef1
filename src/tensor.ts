/**
 * Runtime-neutral tensors: a shape and a flat row-major typed array. Every value that crosses the
 * implementation interface is one of these, so no spec depends on a particular runtime's tensor type.
 */
export type TypedArray = Float32Array | Uint8Array | Int32Array;

export interface Tensor<T extends TypedArray = TypedArray> {
  readonly shape: readonly number[];
  readonly data: T;
}
export type F32Tensor = Tensor<Float32Array>;
export type U8Tensor = Tensor<Uint8Array>;

export type DType = 'float32' | 'uint8' | 'int32';

export function dtypeOf(t: Tensor): DType {
  if (t.data instanceof Float32Array) return 'float32';
  if (t.data instanceof Uint8Array) return 'uint8';
  return 'int32';
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor<T extends TypedArray>(data: T, shape: readonly number[]): Tensor<T> {
  if (sizeOf(shape) !== data.length) {
    throw new RangeError(`tensor: shape [${shape.join(', ')}] needs ${sizeOf(shape)} values, got ${data.length}`);
  }
  return { shape: [...shape], data };
}

/** Rows [start, end) of a tensor along its first axis, without copying. */
export function sliceRows<T extends TypedArray>(t: Tensor<T>, start: number, end: number): Tensor<T> {
  const row = sizeOf(t.shape.slice(1));
  return { shape: [end - start, ...t.shape.slice(1)], data: t.data.subarray(start * row, end * row) as T };
}

/** Gather rows by index along the first axis (a copy). */
export function gatherRows<T extends TypedArray>(t: Tensor<T>, indices: ArrayLike<number>): Tensor<T> {
  const row = sizeOf(t.shape.slice(1));
  const Ctor = t.data.constructor as { new (n: number): T };
  const out = new Ctor(indices.length * row);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    out.set(t.data.subarray(r * row, (r + 1) * row), i * row);
  }
  return { shape: [indices.length, ...t.shape.slice(1)], data: out };
}

export function shapeString(shape: readonly (number | null)[]): string {
  return `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')}${shape.length === 1 ? ',' : ''})`;
}
