import { gunzipSync, gzipSync } from 'node:zlib';
import { ArgumentError, DataFormatError } from '../errors.js';
import { tensor, type U8Tensor } from '../tensor.js';
import { MAX_DECODED_BYTES } from './limits.js';

/**
 * The IDX format of the MNIST files (yann.lecun.com/exdb/mnist): a big-endian magic number
 * 00 00 <dtype> <ndim>, then ndim uint32 big-endian dimension sizes, then the data in row-major order.
 * MNIST uses dtype 0x08 (unsigned byte): magic 2049 (0x00000801) for the 1-d label files and 2051
 * (0x00000803) for the 3-d image files. Files may be gzip-compressed, as they are distributed.
 *
 * Every failure is a DataFormatError naming the file and the field: 'gzip', 'magic', 'dtype', 'ndim',
 * 'dims[i]' (a truncated header or a size over the cap), 'data' (truncated or extra bytes).
 */
export const IDX_UBYTE = 0x08;
/** More dimensions than any IDX file in use has; a larger count is a corrupt header. */
export const MAX_IDX_NDIM = 8;

const IDX_TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'short',
  0x0c: 'int',
  0x0d: 'float',
  0x0e: 'double',
};

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompress gzip with a bound on the output, so a bomb or a corrupt stream is a DataFormatError. */
export function gunzipBounded(bytes: Uint8Array, file: string, maxOutputLength = MAX_DECODED_BYTES + 4 + 4 * MAX_IDX_NDIM): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const detail = err.code === 'ERR_BUFFER_TOO_LARGE' ? `decompresses to more than ${maxOutputLength} bytes` : err.message;
    throw new DataFormatError(file, 'gzip', detail);
  }
}

/** An IDX header: the shape it declares, the element count, and where the data starts. */
export interface IdxHeader {
  shape: number[];
  size: number;
  headerBytes: number;
}

/**
 * Parse and validate an IDX header from the first bytes of a file (at least 4 + 4·ndim of them for a
 * complete header; `total` is the length of the whole file, for the "truncated" message). Throws the same
 * DataFormatErrors as decodeIdx; does not look at the data.
 */
export function parseIdxHeader(bytes: Uint8Array, file: string, total = bytes.length): IdxHeader {
  if (bytes.length < 4) throw new DataFormatError(file, 'magic', `truncated: ${total} bytes, the magic number needs 4`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFormatError(file, 'magic', `expected 00 00 <dtype> <ndim>, got ${hex(bytes.subarray(0, 4))}`);
  }
  const dtype = bytes[2]!;
  if (dtype !== IDX_UBYTE) {
    const name = IDX_TYPE_NAMES[dtype];
    throw new DataFormatError(
      file,
      'dtype',
      name
        ? `IDX type 0x${dtype.toString(16).padStart(2, '0')} (${name}) is not supported; MNIST is 0x08 (unsigned byte)`
        : `unknown IDX type 0x${dtype.toString(16).padStart(2, '0')}`,
    );
  }
  const ndim = bytes[3]!;
  if (ndim < 1 || ndim > MAX_IDX_NDIM) throw new DataFormatError(file, 'ndim', `${ndim} dimensions; expected 1 to ${MAX_IDX_NDIM}`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let size = 1;
  for (let i = 0; i < ndim; i++) {
    const at = 4 + 4 * i;
    if (bytes.length < at + 4) throw new DataFormatError(file, `dims[${i}]`, `truncated: the file ends at byte ${total}, inside the header`);
    const d = view.getUint32(at, false);
    size *= d;
    if (size > MAX_DECODED_BYTES) throw new DataFormatError(file, `dims[${i}]`, `${d} makes more than ${MAX_DECODED_BYTES} elements`);
    shape.push(d);
  }
  return { shape, size, headerBytes: 4 + 4 * ndim };
}

/** The data part's length checked against the header: the same errors for a file in memory and one on disk. */
export function checkIdxDataLength(h: IdxHeader, found: number, file: string): void {
  if (found < h.size) throw new DataFormatError(file, 'data', `truncated: the shape [${h.shape.join(', ')}] needs ${h.size} bytes, found ${found}`);
  if (found > h.size) throw new DataFormatError(file, 'data', `${found - h.size} extra bytes after the ${h.size} the shape [${h.shape.join(', ')}] needs`);
}

/** Decode an IDX unsigned-byte array, gzip-compressed or raw. `file` names it in errors. */
export function decodeIdx(input: Uint8Array, file: string): U8Tensor {
  const bytes = isGzip(input) ? gunzipBounded(input, file) : input;
  const h = parseIdxHeader(bytes, file);
  checkIdxDataLength(h, bytes.length - h.headerBytes, file);
  // A copy as a plain Uint8Array: the result neither aliases the caller's bytes nor is a Node Buffer.
  return tensor(new Uint8Array(bytes.subarray(h.headerBytes)), h.shape);
}

/** Encode an unsigned-byte tensor as IDX (gzip-compressed when asked, as MNIST is distributed). */
export function encodeIdx(t: U8Tensor, opts: { gzip?: boolean } = {}): Uint8Array {
  const ndim = t.shape.length;
  if (ndim < 1 || ndim > MAX_IDX_NDIM) throw new ArgumentError('tensor', `IDX holds 1 to ${MAX_IDX_NDIM} dimensions, got ${ndim}`);
  const out = new Uint8Array(4 + 4 * ndim + t.data.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, IDX_UBYTE, ndim]);
  t.shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(t.data, 4 + 4 * ndim);
  return opts.gzip ? new Uint8Array(gzipSync(out)) : out;
}
