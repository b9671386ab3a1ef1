import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { access, link, lstat, mkdir, open, readlink, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ArgumentError } from '../errors.js';
import { forgetTempPath, trackTempPath } from './cleanup.js';

/**
 * File-system helpers every command uses, so that a file problem is reported the same way everywhere:
 * hashing, atomic and exclusive writes, the checks an input file or an output directory gets before any
 * work starts, names that become path components, and the words for Node's file-system error codes.
 */

/** Lower-case hex sha256 of some bytes. */
export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Lower-case hex sha256 of a file, streamed (a file is never held whole in memory just to hash it). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * What a file-system error code means, in words, for a one-line message. Node's own RangeError for a file
 * over 2 GiB (ERR_FS_FILE_TOO_LARGE) is here too: it is what readFile throws for one.
 */
export const FS_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is a file, not a directory',
  ELOOP: 'a loop of symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EFBIG: 'the file is too large',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EEXIST: 'already exists',
  ENOTEMPTY: 'the directory is not empty',
  EBUSY: 'the file or device is busy',
  ETXTBSY: 'the file is busy',
  EIO: 'an input/output error of the device',
  ENXIO: 'no such device',
  ENODEV: 'no such device',
  EXDEV: 'cannot move across file systems',
  EINVAL: 'not a valid file name or operation here',
  EAGAIN: 'temporarily unavailable',
  ERR_FS_FILE_TOO_LARGE: 'larger than 2 GiB, more than can be read into memory at once',
  ERR_FS_EISDIR: 'is a directory, not a file',
};

/** The words for a Node file-system error (`permission denied (EACCES)`), or undefined for any other error. */
export function describeFsError(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code && Object.hasOwn(FS_PROBLEMS, code) ? `${FS_PROBLEMS[code]} (${code})` : undefined;
}

const GiB = 2 ** 30;
const MiB = 2 ** 20;
/** A byte count as a person reads it: `3.0 GiB`, `12.5 MiB`, `700 bytes`. */
export function formatBytes(n: number): string {
  if (n >= GiB) return `${(n / GiB).toFixed(1)} GiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  return `${n} bytes`;
}

/** An ArgumentError naming the argument and the file for a file-system error; anything else is rethrown as it is. */
export function fsArgumentError(argument: string, path: string, e: unknown): Error {
  const problem = describeFsError(e);
  return problem ? new ArgumentError(argument, `${path}: ${problem}`) : (e as Error);
}

export interface InputFileOptions {
  /** Refuse a file larger than this, before reading any of it. */
  maxBytes?: number;
  /** What the file is, for the size message: `an MNIST IDX file`. */
  what?: string;
}

/**
 * Check an input file before reading it: that it exists (a dangling symbolic link is told apart from a
 * missing file), is a regular file (a directory, a FIFO or a device is refused: reading one could block
 * or never end), can be opened for reading, and is not larger than `maxBytes`. Every problem is an
 * ArgumentError naming `argument` and the path. Returns the file's size.
 */
export async function checkInputFile(path: string, argument: string, opts: InputFileOptions = {}): Promise<{ size: number }> {
  const link = await lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new ArgumentError(argument, `${path}: no such file`);
    throw fsArgumentError(argument, path, e);
  });
  let info = link;
  if (link.isSymbolicLink()) {
    info = await stat(path).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        const target = await readlink(path).catch(() => '?');
        throw new ArgumentError(argument, `${path}: a dangling symbolic link (its target ${target} does not exist)`);
      }
      throw fsArgumentError(argument, path, e);
    });
  }
  if (info.isDirectory()) throw new ArgumentError(argument, `${path}: is a directory, not a file`);
  if (!info.isFile()) throw new ArgumentError(argument, `${path}: not a regular file (a device, FIFO or socket)`);
  if (opts.maxBytes !== undefined && info.size > opts.maxBytes) {
    throw new ArgumentError(argument, `${path}: ${formatBytes(info.size)}, more than the ${formatBytes(opts.maxBytes)} ${opts.what ?? 'such a file'} can be`);
  }
  await access(path, constants.R_OK).catch((e: unknown) => {
    throw fsArgumentError(argument, path, e);
  });
  return { size: info.size };
}

/** Read bytes [offset, offset + length) of a file (fewer at its end). */
export async function readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

/**
 * Check, before any work starts, that files can be written into `dir` later: the directory exists and is
 * writable, or it does not exist yet and its nearest existing ancestor is a writable directory (it will be
 * created then, not now: a run that fails early leaves nothing behind). Returns the absolute path.
 */
export async function checkOutputDirectory(dir: string, argument: string): Promise<string> {
  if (dir === '') throw new ArgumentError(argument, 'an empty path');
  const target = resolve(dir);
  for (let p = target; ; p = dirname(p)) {
    const info = await stat(p).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw fsArgumentError(argument, dir, e);
    });
    if (info) {
      if (!info.isDirectory())
        throw new ArgumentError(argument, p === target ? `${dir}: is a file, not a directory` : `${dir}: ${p} is a file, not a directory`);
      await access(p, constants.W_OK | constants.X_OK).catch((e: unknown) => {
        throw fsArgumentError(argument, p === target ? dir : `${dir}: ${p}`, e);
      });
      return target;
    }
    if (dirname(p) === p) throw new ArgumentError(argument, `${dir}: no existing directory above it`);
  }
}

/**
 * A name (an implementation's, a recipe's) made safe to use as one path component: letters, digits and
 * `._-+=@` are kept, anything else becomes `_`; no leading dot (so never `.` or `..`), at most 100 characters.
 */
export function safePathComponent(name: string): string {
  const s = name
    .replace(/[^A-Za-z0-9._\-+=@]/g, '_')
    .replace(/^\.+/, (dots) => '_'.repeat(dots.length))
    .slice(0, 100);
  return s || '_';
}

/** `join(dir, ...parts)`, refused (ArgumentError) if the result is not inside `dir`. */
export function pathInside(dir: string, argument: string, ...parts: string[]): string {
  const path = join(dir, ...parts);
  const rel = relative(resolve(dir), resolve(path));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new ArgumentError(argument, `${parts.join('/')} would be written outside ${dir}`);
  return path;
}

const tempNameFor = (path: string): string => join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);

/** Write and fsync a temp file beside `path`; it is tracked so that a signal removes it. */
async function writeTemp(path: string, data: Uint8Array | string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempNameFor(path);
  trackTempPath(temp);
  try {
    const fh = await open(temp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    await rm(temp, { force: true });
    forgetTempPath(temp);
    throw e;
  }
  return temp;
}

/**
 * Write a file so that readers see either the old content or the whole new content, never a part:
 * write a temp file in the same directory (so the rename stays on one file system), fsync it, rename it
 * over the target. On any error, and on SIGINT/SIGTERM, the temp file is removed and the target is left
 * as it was. Missing parent directories are created (reports/, the Keras cache).
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = await writeTemp(path, data);
  try {
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  } finally {
    forgetTempPath(temp);
  }
}

/**
 * Write a new file whole under the first free name `nameFor(0)`, `nameFor(1)`, …: never over an existing
 * file, even one another process creates at the same moment (a hard link fails if the name is taken).
 * Returns the path written.
 */
export async function writeNewFile(nameFor: (attempt: number) => string, data: Uint8Array | string): Promise<string> {
  const first = nameFor(0);
  const temp = await writeTemp(first, data);
  try {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const path = attempt === 0 ? first : nameFor(attempt);
      try {
        await link(temp, path);
        return path;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    throw new Error(`writeNewFile: no free name after 1000 attempts (${first})`);
  } finally {
    await unlink(temp).catch(() => undefined);
    forgetTempPath(temp);
  }
}
