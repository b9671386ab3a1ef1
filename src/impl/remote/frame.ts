/**
 * The protocol's frame codec (docs/protocol.md "Framing"): one frame is
 *
 *   "MNSP" | u32 LE header length H | u32 LE payload length P | H bytes of JSON (UTF-8) | P bytes of tensors
 *
 * The JSON header is an object with a string `type`; its `tensors` array lists the payload's tensors in
 * order as `{ name, dtype, shape }`, each stored row-major, little-endian, back to back, so the payload is
 * exactly the sum of their byte sizes. Tensors never travel as JSON number arrays.
 *
 * Written with Uint8Array and DataView only (no Node Buffer): the same module runs in a browser page.
 * Decoding never trusts a length before checking it against the limits, and every malformed frame is a
 * FrameError naming what was wrong and, once the header is readable, the message it belonged to.
 */
import { ProtocolError } from './errors.js';

export const FRAME_MAGIC = Uint8Array.of(0x4d, 0x4e, 0x53, 0x50); // "MNSP"
/** Magic + header length + payload length. */
export const FRAME_PREFIX_BYTES = 12;
/** A header is a small JSON object; 16 MiB is far beyond any honest one (an architecture is a few KiB). */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;
/** 1 GiB: full MNIST's 60,000 × 784 float32 training images are 188 MB. A u32 could say 4 GiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024 * 1024;

export type WireDType = 'float32' | 'float64' | 'int32' | 'uint8';
export const WIRE_DTYPES: Record<WireDType, number> = { float32: 4, float64: 8, int32: 4, uint8: 1 };
export type WireArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export interface WireTensor {
  name: string;
  dtype: WireDType;
  shape: number[];
  data: WireArray;
}

/** A header as sent: any JSON object with a string `type` (the codec owns `tensors`). */
export interface FrameHeader {
  type: string;
  id?: number;
  [field: string]: unknown;
}

/** A header before the connection numbers it. */
export interface RequestHeader {
  type: string;
  [field: string]: unknown;
}

export interface Frame {
  header: FrameHeader;
  tensors: WireTensor[];
}

/** The frame could not be decoded. `kind` says which part; the stream after it cannot be trusted. */
export class FrameError extends ProtocolError {
  override name = 'FrameError';
  constructor(
    readonly part: 'magic' | 'header-length' | 'payload-length' | 'header-json' | 'header-schema' | 'tensor' | 'truncated',
    detail: string,
  ) {
    super('frame', detail);
  }
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function dtypeOfArray(a: WireArray): WireDType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'uint8';
}

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Reverse each element's bytes in place (only on a big-endian host: the wire is little-endian). */
function swapBytes(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

/**
 * Encode one frame. The header is padded with spaces (valid JSON whitespace) so the payload starts on an
 * 8-byte boundary of the frame: a decoder that keeps the frame in one buffer can view tensors without copying.
 */
export function encodeFrame(header: FrameHeader, tensors: readonly WireTensor[] = []): Uint8Array {
  const described = tensors.map((t) => {
    if (elementCount(t.shape) !== t.data.length)
      throw new RangeError(`encodeFrame: tensor "${t.name}" has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    const dtype = dtypeOfArray(t.data);
    if (dtype !== t.dtype) throw new RangeError(`encodeFrame: tensor "${t.name}" is declared ${t.dtype} but holds ${dtype}`);
    return { name: t.name, dtype, shape: [...t.shape] };
  });
  const { tensors: _ignored, ...rest } = header;
  const json = JSON.stringify(tensors.length ? { ...rest, tensors: described } : rest);
  let headerBytes = utf8Encoder.encode(json);
  const pad = (8 - ((FRAME_PREFIX_BYTES + headerBytes.length) % 8)) % 8;
  if (pad) {
    const padded = new Uint8Array(headerBytes.length + pad).fill(0x20);
    padded.set(headerBytes);
    headerBytes = padded;
  }
  const payloadBytes = tensors.reduce((s, t) => s + t.data.byteLength, 0);
  if (headerBytes.length > MAX_HEADER_BYTES) throw new RangeError(`encodeFrame: header of ${headerBytes.length} bytes exceeds ${MAX_HEADER_BYTES}`);
  if (payloadBytes > 0xffffffff) throw new RangeError(`encodeFrame: payload of ${payloadBytes} bytes does not fit a u32 length`);
  const out = new Uint8Array(FRAME_PREFIX_BYTES + headerBytes.length + payloadBytes);
  out.set(FRAME_MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, headerBytes.length, true);
  view.setUint32(8, payloadBytes, true);
  out.set(headerBytes, FRAME_PREFIX_BYTES);
  let offset = FRAME_PREFIX_BYTES + headerBytes.length;
  for (const t of tensors) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(bytes, offset);
    if (!LITTLE_ENDIAN_HOST) swapBytes(out.subarray(offset, offset + bytes.length), t.data.BYTES_PER_ELEMENT);
    offset += bytes.length;
  }
  return out;
}

/** Up to 40 bytes as hex and as text, for an error message about bytes that are not a frame. */
export function describeBytes(bytes: Uint8Array): string {
  const head = bytes.subarray(0, 40);
  const hex = Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = Array.from(head, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : b === 0x0a ? '\\n' : '.')).join('');
  return `${hex}${bytes.length > head.length ? ' …' : ''} ("${text}${bytes.length > head.length ? '…' : ''}")`;
}

/** What a header says of itself, for error messages: `'predict' (id 5)`. */
export function describeHeader(h: { type?: unknown; id?: unknown }): string {
  return `'${String(h.type)}'${typeof h.id === 'number' ? ` (id ${h.id})` : ''}`;
}

function parseHeader(bytes: Uint8Array): { header: FrameHeader; specs: { name: string; dtype: WireDType; shape: number[] }[] } {
  let text: string;
  try {
    text = utf8Decoder.decode(bytes);
  } catch {
    throw new FrameError('header-json', `header is not valid UTF-8: ${describeBytes(bytes)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FrameError('header-json', `header is not JSON (${(e as Error).message}): ${describeBytes(bytes)}`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new FrameError('header-schema', `header is not a JSON object: ${text.slice(0, 80)}`);
  const header = json as FrameHeader & { tensors?: unknown };
  if (typeof header.type !== 'string' || !header.type) throw new FrameError('header-schema', `header has no string "type": ${text.slice(0, 80)}`);
  const what = `message ${describeHeader(header)}`;
  if (header.id !== undefined && !(Number.isSafeInteger(header.id) && (header.id as number) >= 0)) {
    throw new FrameError('header-schema', `${what}: "id" must be a non-negative integer, got ${JSON.stringify(header.id)}`);
  }
  const raw = header.tensors ?? [];
  if (!Array.isArray(raw)) throw new FrameError('header-schema', `${what}: "tensors" must be an array`);
  const specs = raw.map((t: unknown, i) => {
    const s = t as { name?: unknown; dtype?: unknown; shape?: unknown };
    const where = `${what}: tensors[${i}]`;
    if (!s || typeof s !== 'object') throw new FrameError('tensor', `${where} is not an object`);
    if (typeof s.name !== 'string') throw new FrameError('tensor', `${where} has no string "name"`);
    if (typeof s.dtype !== 'string' || !(s.dtype in WIRE_DTYPES)) {
      throw new FrameError('tensor', `${where} ("${s.name}"): dtype ${JSON.stringify(s.dtype)} is not one of ${Object.keys(WIRE_DTYPES).join(', ')}`);
    }
    if (!Array.isArray(s.shape) || !s.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw new FrameError('tensor', `${where} ("${s.name}"): shape must be an array of non-negative integers, got ${JSON.stringify(s.shape)}`);
    }
    return { name: s.name, dtype: s.dtype as WireDType, shape: s.shape as number[] };
  });
  delete header.tensors;
  return { header, specs };
}

/** A whole frame, prefix included (so the payload keeps the 8-byte alignment the encoder gave it). */
function decodeBody(body: Uint8Array, headerLength: number, payloadLength: number): Frame {
  const { header, specs } = parseHeader(body.subarray(FRAME_PREFIX_BYTES, FRAME_PREFIX_BYTES + headerLength));
  const what = `message ${describeHeader(header)}`;
  let need = 0;
  for (const s of specs) {
    need += elementCount(s.shape) * WIRE_DTYPES[s.dtype];
    if (!Number.isSafeInteger(need)) throw new FrameError('tensor', `${what}: tensor "${s.name}" of shape [${s.shape.join(', ')}] is impossibly large`);
  }
  if (need !== payloadLength) {
    throw new FrameError(
      'payload-length',
      `${what}: its tensors (${specs.map((s) => `${s.name} ${s.dtype} [${s.shape.join(', ')}]`).join(', ') || 'none'}) need ${need} bytes, the payload has ${payloadLength}`,
    );
  }
  let offset = FRAME_PREFIX_BYTES + headerLength;
  const tensors = specs.map((s) => {
    const width = WIRE_DTYPES[s.dtype];
    const count = elementCount(s.shape);
    const start = body.byteOffset + offset;
    let bytes = body.subarray(offset, offset + count * width);
    offset += count * width;
    // A typed array view needs an aligned offset; otherwise (or to swap bytes) copy into a buffer of its own.
    if (start % width !== 0 || !LITTLE_ENDIAN_HOST) bytes = bytes.slice();
    if (!LITTLE_ENDIAN_HOST) swapBytes(bytes, width);
    const buffer = bytes.buffer;
    const at = bytes.byteOffset;
    const data: WireArray =
      s.dtype === 'float32'
        ? new Float32Array(buffer, at, count)
        : s.dtype === 'float64'
          ? new Float64Array(buffer, at, count)
          : s.dtype === 'int32'
            ? new Int32Array(buffer, at, count)
            : new Uint8Array(buffer, at, count);
    return { name: s.name, dtype: s.dtype, shape: s.shape, data };
  });
  return { header, tensors };
}

/** Decode exactly one frame from bytes holding exactly one (a WebSocket message, a test). */
export function decodeFrame(bytes: Uint8Array, maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES): Frame {
  const decoder = new FrameDecoder(maxPayloadBytes);
  const frames = decoder.push(bytes);
  decoder.end();
  if (frames.length !== 1) throw new FrameError('truncated', `expected one frame, got ${frames.length}`);
  return frames[0]!;
}

/**
 * Incremental decoder for a byte stream (a pipe delivers frames in arbitrary chunks; a WebSocket delivers
 * whole messages: both work). `push` returns the frames completed by a chunk; `end` says the stream closed
 * and throws if it closed inside a frame. After a FrameError the decoder is poisoned: the stream has lost
 * its framing and every later push throws the same error.
 */
export class FrameDecoder {
  private prefix = new Uint8Array(FRAME_PREFIX_BYTES);
  private prefixFill = 0;
  private body: Uint8Array | undefined;
  private bodyFill = 0;
  private headerLength = 0;
  private payloadLength = 0;
  private failed: FrameError | undefined;
  /** Frames decoded so far (for messages: "frame 3"). */
  count = 0;

  constructor(private readonly maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES) {}

  /** Bytes of a frame received but not yet complete: 0 between frames. */
  get pending(): number {
    return this.body ? this.bodyFill : this.prefixFill;
  }

  push(chunk: Uint8Array): Frame[] {
    if (this.failed) throw this.failed;
    const frames: Frame[] = [];
    let at = 0;
    try {
      while (at < chunk.length) {
        if (!this.body) {
          const take = Math.min(FRAME_PREFIX_BYTES - this.prefixFill, chunk.length - at);
          this.prefix.set(chunk.subarray(at, at + take), this.prefixFill);
          // Check the magic as soon as its bytes arrive: stray output is named by its first bytes, not after 12.
          for (let i = this.prefixFill; i < Math.min(this.prefixFill + take, 4); i++) {
            if (this.prefix[i] !== FRAME_MAGIC[i]) {
              const stray = new Uint8Array(this.prefixFill + Math.min(chunk.length - at, 64));
              stray.set(this.prefix.subarray(0, this.prefixFill));
              stray.set(chunk.subarray(at, at + stray.length - this.prefixFill), this.prefixFill);
              throw new FrameError('magic', `bytes outside a frame (frame ${this.count + 1} should start with "MNSP"): ${describeBytes(stray)}`);
            }
          }
          this.prefixFill += take;
          at += take;
          if (this.prefixFill < FRAME_PREFIX_BYTES) break;
          const view = new DataView(this.prefix.buffer);
          this.headerLength = view.getUint32(4, true);
          this.payloadLength = view.getUint32(8, true);
          if (this.headerLength < 2 || this.headerLength > MAX_HEADER_BYTES) {
            throw new FrameError('header-length', `frame ${this.count + 1}: header length ${this.headerLength} is outside 2..${MAX_HEADER_BYTES}`);
          }
          if (this.payloadLength > this.maxPayloadBytes) {
            throw new FrameError(
              'payload-length',
              `frame ${this.count + 1}: payload length ${this.payloadLength} exceeds the limit of ${this.maxPayloadBytes} bytes`,
            );
          }
          this.body = new Uint8Array(FRAME_PREFIX_BYTES + this.headerLength + this.payloadLength);
          this.body.set(this.prefix);
          this.bodyFill = FRAME_PREFIX_BYTES;
        }
        const take = Math.min(this.body.length - this.bodyFill, chunk.length - at);
        this.body.set(chunk.subarray(at, at + take), this.bodyFill);
        this.bodyFill += take;
        at += take;
        if (this.bodyFill === this.body.length) {
          const body = this.body;
          this.body = undefined;
          this.prefixFill = 0;
          this.bodyFill = 0;
          this.count++;
          frames.push(decodeBody(body, this.headerLength, this.payloadLength));
        }
      }
    } catch (e) {
      if (e instanceof FrameError) this.failed = e;
      throw e;
    }
    return frames;
  }

  /** The stream ended: a partial frame is a truncated frame. */
  end(): void {
    if (this.failed) throw this.failed;
    if (this.pending > 0) {
      const expected = this.body?.length;
      this.failed = new FrameError(
        'truncated',
        `the stream ended inside frame ${this.count + 1}: ${this.pending} bytes received${expected ? ` of ${expected}` : ' (not even its 12-byte prefix)'}`,
      );
      throw this.failed;
    }
  }
}
