import { unzipSync, zipSync, type Zippable } from 'fflate';
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
 */
export const MNIST_NPZ_ARRAYS = ['x_train', 'y_train', 'x_test', 'y_test'] as const;
/** More members than any real .npz of ours has; the bound keeps a corrupt entry count from looping for long. */
const MAX_MEMBERS = 1024;

/** Decode the named arrays (member `<name>.npy`) of an .npz; other members are ignored. */
export function decodeNpz<N extends string>(bytes: Uint8Array, file: string, names: readonly N[]): Record<N, U8Tensor> {
  const wanted = new Set(names.map((n) => `${n}.npy`));
  let members: Record<string, Uint8Array>;
  try {
    let seen = 0;
    members = unzipSync(bytes, {
      filter: (info) => {
        if (++seen > MAX_MEMBERS) throw new DataFormatError(file, 'zip', `more than ${MAX_MEMBERS} members`);
        if (!wanted.has(info.name)) return false;
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
    try {
      out[name] = decodeNpy(data, member);
    } catch (e) {
      if (!(e instanceof DataFormatError)) throw e;
      throw new DataFormatError(file, `${member}: ${e.field}`, e.detail);
    }
  }
  return out;
}

/** Encode arrays as an .npz the way np.savez_compressed (or, with compress false, np.savez) does. */
export function encodeNpz(arrays: Record<string, U8Tensor>, opts: { compress?: boolean } = {}): Uint8Array {
  const level = opts.compress === false ? 0 : 6;
  const files: Zippable = {};
  for (const [name, t] of Object.entries(arrays)) files[`${name}.npy`] = [encodeNpy(t), { level }];
  return zipSync(files);
}
