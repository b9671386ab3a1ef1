import { unzipSync, zipSync, type Zippable } from 'fflate';
import { crc32 } from 'node:zlib';
import { DataFormatError } from '../errors.js';
import type { U8Tensor } from '../tensor.js';
import { MAX_DECODED_BYTES } from './limits.js';
import { decodeNpy, encodeNpy, MAX_NPY_HEADER } from './npy.js';

/**
 * NumPy .npz archives (np.savez / np.savez_compressed): a zip of `<name>.npy` members, stored or
 * deflated. Keras's mnist.npz holds x_train, y_train, x_test, y_test.
 *
 * Every failure is a DataFormatError naming the archive file and the field:
 *   'zip' for the archive itself;
 *   '<member>' for a missing, oversized or unsupported member;
 *   '<member>: <npy field>' for a member that does not decode (e.g. 'x_train.npy: shape').
 * Each member's bytes are checked against the size and CRC-32 its central directory entry declares (fflate
 * does not: a member that under-declares its size would otherwise be cut short without a word).
 */
export const MNIST_NPZ_ARRAYS = ['x_train', 'y_train', 'x_test', 'y_test'] as const;
/** More members than any real .npz of ours has; the bound keeps a corrupt entry count from looping for long. */
const MAX_MEMBERS = 1024;

/** Decode the named arrays (member `<name>.npy`) of an .npz; other members are ignored. */
export function decodeNpz<N extends string>(bytes: Uint8Array, file: string, names: readonly N[]): Record<N, U8Tensor> {
  const wanted = new Set(names.map((n) => `${n}.npy`));
  let members: Record<string, Uint8Array>;
  const declared = new Map<string, { crc: number; size: number }>();
  try {
    const crcs = centralDirectoryCrcs(bytes);
    let seen = 0;
    members = unzipSync(bytes, {
      filter: (info) => {
        if (++seen > MAX_MEMBERS) throw new DataFormatError(file, 'zip', `more than ${MAX_MEMBERS} members`);
        if (!wanted.has(info.name)) return false;
        declared.set(info.name, { crc: crcs[seen - 1]!, size: info.originalSize });
        if (info.compression !== 0 && info.compression !== 8) {
          throw new DataFormatError(file, info.name, `compression method ${info.compression} is not supported (stored or deflate only)`);
        }
        if (info.originalSize > MAX_DECODED_BYTES + MAX_NPY_HEADER + 12) {
          throw new DataFormatError(file, info.name, `declares ${info.originalSize} bytes, more than the ${MAX_DECODED_BYTES} allowed`);
        }
        return true;
      },
    });
  } catch (e) {
    if (e instanceof DataFormatError) throw e;
    throw new DataFormatError(file, 'zip', (e as Error).message);
  }
  const out = {} as Record<N, U8Tensor>;
  for (const name of names) {
    const member = `${name}.npy`;
    const data = members[member];
    if (!data) throw new DataFormatError(file, member, 'missing from the archive');
    const d = declared.get(member)!;
    if (data.length !== d.size) throw new DataFormatError(file, member, `decompressed to ${data.length} bytes, its entry declares ${d.size}`);
    const crc = crc32(data);
    if (crc !== d.crc) {
      const hex = (n: number): string => n.toString(16).padStart(8, '0');
      throw new DataFormatError(
        file,
        member,
        `CRC-32 ${hex(crc)} does not match the ${hex(d.crc)} its entry declares (a damaged member, or one whose declared size cut it short)`,
      );
    }
    try {
      out[name] = decodeNpy(data, member);
    } catch (e) {
      if (!(e instanceof DataFormatError)) throw e;
      throw new DataFormatError(file, `${member}: ${e.field}`, e.detail);
    }
  }
  return out;
}

const u16 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/**
 * The CRC-32 of each central directory entry, in directory order (the order fflate's filter sees them),
 * read as fflate reads the directory (APPNOTE 4.3.12, 4.3.16; ZIP64 end record 4.3.14). Anything out of
 * bounds throws; the caller reports it as a 'zip' error.
 */
function centralDirectoryCrcs(b: Uint8Array): number[] {
  const bound = (o: number, n: number): number => {
    if (o < 0 || o + n > b.length) throw new Error('the central directory points outside the file');
    return o;
  };
  let e = b.length - 22;
  while (e >= 0 && u32(b, e) !== 0x06054b50) {
    if (b.length - e > 65558) break;
    e--;
  }
  if (e < 0 || u32(b, bound(e, 4)) !== 0x06054b50) throw new Error('no end of central directory record');
  let count = u16(b, e + 8);
  let o = u32(b, e + 16);
  if (e >= 20 && u32(b, e - 20) === 0x07064b50) {
    const z = u32(b, e - 12);
    if (z + 56 <= b.length && u32(b, z) === 0x06064b50) {
      count = u32(b, z + 32);
      o = u32(b, z + 48);
    }
  }
  const crcs: number[] = [];
  for (let i = 0; i < Math.min(count, MAX_MEMBERS + 1); i++) {
    bound(o, 46);
    crcs.push(u32(b, o + 16));
    o += 46 + u16(b, o + 28) + u16(b, o + 30) + u16(b, o + 32);
  }
  return crcs;
}

/** Encode arrays as an .npz the way np.savez_compressed (or, with compress false, np.savez) does. */
export function encodeNpz(arrays: Record<string, U8Tensor>, opts: { compress?: boolean } = {}): Uint8Array {
  const level = opts.compress === false ? 0 : 6;
  const files: Zippable = {};
  for (const [name, t] of Object.entries(arrays)) files[`${name}.npy`] = [encodeNpy(t), { level }];
  return zipSync(files);
}
