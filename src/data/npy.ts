import { ArgumentError, DataFormatError } from '../errors.js';
import { sizeOf, tensor, type U8Tensor } from '../tensor.js';
import { MAX_DECODED_BYTES } from './limits.js';

/**
 * The NumPy .npy format (numpy.lib.format), versions 1.0, 2.0 and 3.0, for the uint8 arrays of MNIST:
 * the magic string \x93NUMPY, a major and minor version byte, the header length (uint16 little-endian in
 * 1.0, uint32 in 2.0/3.0), then a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': ...}
 * padded with spaces and ended by a newline (latin1 text in 1.0/2.0, UTF-8 in 3.0), then the data.
 *
 * Only C-order unsigned bytes are accepted (descr '|u1', which np.save writes for uint8, or '<u1', '>u1',
 * '=u1', 'u1'). Every failure is a DataFormatError naming the file and the field: 'magic', 'version',
 * 'header', 'descr', 'fortran_order', 'shape', 'data'.
 */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy's own default bound on a header it will parse (np.load max_header_size); a uint8 header is ~120 bytes. */
export const MAX_NPY_HEADER = 10_000;
const MAX_NESTING = 16;
const UINT8_DESCR = /^[|<>=]?u1$/;

type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

/** A parser for the Python literals a .npy header may hold; any other text is a 'header' error. */
class HeaderParser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly file: string,
  ) {}

  private fail(detail: string): never {
    throw new DataFormatError(this.file, 'header', `${detail} at character ${this.i} of ${JSON.stringify(this.s.trim())}`);
  }
  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }
  private eat(c: string): boolean {
    this.ws();
    if (this.s[this.i] !== c) return false;
    this.i++;
    return true;
  }

  parseAll(): PyValue {
    const v = this.value(0);
    this.ws();
    if (this.i !== this.s.length) this.fail('unexpected text after the dict');
    return v;
  }

  private value(depth: number): PyValue {
    if (depth > MAX_NESTING) this.fail('nested too deeply');
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.dict(depth);
    if (c === '(' || c === '[') return this.sequence(c === '(' ? ')' : ']', depth);
    if (c === "'" || c === '"') return this.string();
    const word = /^(?:True|False|None|-?\d+)/.exec(this.s.slice(this.i, this.i + 32));
    if (!word) this.fail('expected a Python literal');
    this.i += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    return Number(word[0]);
  }

  private string(): string {
    const q = this.s[this.i++]!;
    const end = this.s.indexOf(q, this.i);
    if (end < 0) this.fail('unterminated string');
    const text = this.s.slice(this.i, end);
    if (text.includes('\\')) this.fail('escapes in strings are not supported');
    this.i = end + 1;
    return text;
  }

  private sequence(close: string, depth: number): PyValue {
    this.i++;
    const items: PyValue[] = [];
    while (!this.eat(close)) {
      items.push(this.value(depth + 1));
      if (!this.eat(',')) {
        if (!this.eat(close)) this.fail(`expected ',' or '${close}'`);
        // As in Python, `(x)` is x itself, not a 1-tuple: only `(x,)` is.
        if (close === ')' && items.length === 1) return items[0]!;
        break;
      }
    }
    return items;
  }

  private dict(depth: number): Map<string, PyValue> {
    this.i++;
    const out = new Map<string, PyValue>();
    while (!this.eat('}')) {
      this.ws();
      if (this.s[this.i] !== "'" && this.s[this.i] !== '"') this.fail('expected a string key');
      const key = this.string();
      if (!this.eat(':')) this.fail("expected ':'");
      out.set(key, this.value(depth + 1));
      if (!this.eat(',')) {
        if (!this.eat('}')) this.fail("expected ',' or '}'");
        break;
      }
    }
    return out;
  }
}

const pyRepr = (v: PyValue | undefined): string => (v instanceof Map ? '{...}' : (JSON.stringify(v) ?? 'nothing'));

/** Decode a .npy file holding a C-order uint8 array. `file` names it in errors. */
export function decodeNpy(bytes: Uint8Array, file: string): U8Tensor {
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DataFormatError(file, 'magic', 'not a .npy file (it does not start with \\x93NUMPY)');
  }
  if (bytes.length < 8) throw new DataFormatError(file, 'version', 'truncated: the file ends before the version bytes');
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new DataFormatError(file, 'version', `format version ${major}.${bytes[7]} is not 1.0, 2.0 or 3.0`);
  const lenBytes = major === 1 ? 2 : 4;
  const start = 8 + lenBytes;
  if (bytes.length < start) throw new DataFormatError(file, 'header', 'truncated: the file ends inside the header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLen > MAX_NPY_HEADER) throw new DataFormatError(file, 'header', `length ${headerLen} exceeds ${MAX_NPY_HEADER}`);
  if (bytes.length < start + headerLen) {
    throw new DataFormatError(file, 'header', `truncated: the header needs ${headerLen} bytes, the file has ${bytes.length - start}`);
  }
  const raw = bytes.subarray(start, start + headerLen);
  let text: string;
  try {
    text = major === 3 ? new TextDecoder('utf-8', { fatal: true }).decode(raw) : String.fromCharCode(...raw);
  } catch {
    throw new DataFormatError(file, 'header', 'not valid UTF-8');
  }

  const dict = new HeaderParser(text, file).parseAll();
  if (!(dict instanceof Map)) throw new DataFormatError(file, 'header', 'not a dict literal');
  const keys = [...dict.keys()].sort().join(', ');
  if (keys !== 'descr, fortran_order, shape') {
    throw new DataFormatError(file, 'header', `keys are {${keys}}; expected exactly descr, fortran_order, shape`);
  }
  const descr = dict.get('descr');
  if (typeof descr !== 'string' || !UINT8_DESCR.test(descr)) {
    throw new DataFormatError(file, 'descr', `dtype ${pyRepr(descr)} is not uint8 ('|u1'), the dtype of MNIST`);
  }
  const fortran = dict.get('fortran_order');
  if (typeof fortran !== 'boolean') throw new DataFormatError(file, 'fortran_order', `${pyRepr(fortran)} is not True or False`);
  if (fortran) throw new DataFormatError(file, 'fortran_order', 'Fortran-order arrays are not supported (C order only)');
  const shapeValue = dict.get('shape');
  if (!Array.isArray(shapeValue) || !shapeValue.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new DataFormatError(file, 'shape', `${pyRepr(shapeValue)} is not a tuple of non-negative integers`);
  }
  const shape = shapeValue as number[];
  const size = sizeOf(shape);
  if (size > MAX_DECODED_BYTES) throw new DataFormatError(file, 'shape', `(${shape.join(', ')}) has more than ${MAX_DECODED_BYTES} elements`);

  const found = bytes.length - start - headerLen;
  if (found < size) throw new DataFormatError(file, 'data', `truncated: the shape (${shape.join(', ')}) needs ${size} bytes, found ${found}`);
  if (found > size) throw new DataFormatError(file, 'data', `${found - size} extra bytes after the ${size} the shape (${shape.join(', ')}) needs`);
  return tensor(new Uint8Array(bytes.subarray(start + headerLen)), shape);
}

/** Encode a uint8 tensor as .npy byte for byte as np.save does (descr '|u1', header padded to a 64-byte boundary). */
export function encodeNpy(t: U8Tensor, opts: { version?: 1 | 2 | 3 } = {}): Uint8Array {
  const version = opts.version ?? 1;
  if (![1, 2, 3].includes(version)) throw new ArgumentError('version', `.npy version ${version} is not 1, 2 or 3`);
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  const dict = `{'descr': '|u1', 'fortran_order': False, 'shape': ${shape}, }`;
  const prefix = 8 + (version === 1 ? 2 : 4);
  // numpy's layout (format._write_array_header): room for the first axis to grow to 21 digits, a newline,
  // then spaces up to a 64-byte boundary (a full 64 when already aligned).
  const text = dict.length + (t.shape.length > 0 ? 21 - String(t.shape[0]).length : 0) + 1;
  const headerLen = text + 64 - ((prefix + text) % 64);
  const out = new Uint8Array(prefix + headerLen + t.data.length);
  const view = new DataView(out.buffer);
  out.set([...MAGIC, version, 0]);
  if (version === 1) view.setUint16(8, headerLen, true);
  else view.setUint32(8, headerLen, true);
  out.set(new TextEncoder().encode(dict.padEnd(headerLen - 1, ' ') + '\n'), prefix);
  out.set(t.data, prefix + headerLen);
  return out;
}
