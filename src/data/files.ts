import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { DataFormatError } from '../errors.js';
import { tensor, type U8Tensor } from '../tensor.js';
import { checkInputFile, fsArgumentError, readRange, sha256 } from '../util/fs.js';
import { checkIdxDataLength, MAX_IDX_NDIM, parseIdxHeader, type IdxHeader } from './idx.js';
import { MAX_DECODED_BYTES } from './limits.js';

/**
 * Data files read from disk header first: nothing is read past what the header declares, so a huge or
 * hostile file costs the memory of what it claims to hold (at most MAX_DECODED_BYTES), never its size.
 * File-system problems (missing, dangling link, permission, a directory, a FIFO) are ArgumentErrors naming
 * the argument the file came from; bad bytes are DataFormatErrors naming the file and the field.
 */
const MAX_IDX_HEADER = 4 + 4 * MAX_IDX_NDIM;

export interface IdxFile {
  tensor: U8Tensor;
  /** sha256 of the file as it is on disk (the .gz, for a compressed one). */
  sha256: string;
  /** Its length on disk. */
  bytes: number;
}

/** Read an IDX file, raw or gzip-compressed. `argument` names where the path came from (`--data`, `MNIST_DIR`). */
export async function readIdxFile(path: string, argument: string): Promise<IdxFile> {
  // A compressed file larger than the most any MNIST array decodes to is not one (deflate does not grow data by more than 0.1%).
  const { size } = await checkInputFile(path, argument);
  const head = await readRange(path, 0, Math.min(size, MAX_IDX_HEADER)).catch((e: unknown) => {
    throw fsArgumentError(argument, path, e);
  });
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    if (size > MAX_DECODED_BYTES)
      throw new DataFormatError(path, 'gzip', `the compressed file is ${size} bytes, more than the ${MAX_DECODED_BYTES} any MNIST array decodes to`);
    return readGzipIdx(path, size);
  }
  const h = parseIdxHeader(head, path, size);
  checkIdxDataLength(h, size - h.headerBytes, path);
  const bytes = new Uint8Array(await readFile(path));
  // The file may have changed between the two looks: the bytes read are what is judged.
  checkIdxDataLength(h, bytes.length - h.headerBytes, path);
  return { tensor: tensor(new Uint8Array(bytes.subarray(h.headerBytes)), h.shape), sha256: sha256(bytes), bytes: bytes.length };
}

/** Stream a .gz through gunzip: the header is checked as soon as it is out, and the output is capped at what it declares. */
async function readGzipIdx(path: string, size: number): Promise<IdxFile> {
  const hash = createHash('sha256');
  const input = createReadStream(path);
  input.on('data', (chunk) => hash.update(chunk as Buffer));
  const gunzip = createGunzip();
  input.on('error', (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  let head = new Uint8Array(0);
  let header: IdxHeader | undefined;
  let out: Uint8Array | undefined;
  let filled = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      let c: Uint8Array = chunk;
      if (!header) {
        const joined = new Uint8Array(head.length + c.length);
        joined.set(head);
        joined.set(c, head.length);
        head = joined;
        // Parse as soon as the header is complete (or the bytes already prove it wrong).
        const ndim = head.length >= 4 ? head[3]! : 0;
        if (head.length < 4 || head.length < 4 + 4 * Math.min(ndim, MAX_IDX_NDIM + 1)) {
          if (head.length >= 4) parseIdxHeaderPrefix(head, path);
          continue;
        }
        header = parseIdxHeader(head, path);
        // Grown as data arrives, never past what the header declares: a tiny stream declaring 256 MiB costs what it holds.
        out = new Uint8Array(Math.min(header.size, 1 << 20));
        c = head.subarray(header.headerBytes);
      }
      if (filled + c.length > header.size) {
        throw new DataFormatError(path, 'data', `more than the ${header.size} bytes the shape [${header.shape.join(', ')}] needs: the stream goes on`);
      }
      if (filled + c.length > out!.length) {
        const grown = new Uint8Array(Math.min(header.size, Math.max(filled + c.length, 2 * out!.length)));
        grown.set(out!.subarray(0, filled));
        out = grown;
      }
      out!.set(c, filled);
      filled += c.length;
    }
  } catch (e) {
    if (e instanceof DataFormatError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code?.startsWith('Z_') || err.code === 'ERR_STREAM_PREMATURE_CLOSE') throw new DataFormatError(path, 'gzip', err.message);
    throw e;
  } finally {
    input.destroy();
    gunzip.destroy();
  }
  if (!header) parseIdxHeader(head, path);
  checkIdxDataLength(header!, filled, path);
  return { tensor: tensor(out!.length === filled ? out! : out!.slice(0, filled), header!.shape), sha256: hash.digest('hex'), bytes: size };
}

/** The checks of the first four bytes (magic, dtype, ndim), before the dimensions have arrived. */
function parseIdxHeaderPrefix(head: Uint8Array, path: string): void {
  try {
    parseIdxHeader(head, path);
  } catch (e) {
    // Only a truncated dims[i] is expected at this point: the rest of the header is still coming.
    if (e instanceof DataFormatError && /^dims\[/.test(e.field) && /^truncated/.test(e.detail)) return;
    throw e;
  }
}
