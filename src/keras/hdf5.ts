import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DataFormatError } from '../errors.js';
import { makeTempDir, removeTempDir } from '../util/cleanup.js';

/**
 * A read-only snapshot of an HDF5 file: groups, datasets and their attributes, read with h5wasm (libhdf5
 * compiled to WebAssembly). Keras's .h5 files are small trees (a group per layer, a dataset per weight),
 * so the whole tree is read at once and the Keras layout is interpreted on plain values (src/keras/saving.ts).
 *
 * Isolation. libhdf5 trusts the offsets and sizes it reads: on a damaged file it can ask for gigabytes of
 * memory or hit an internal assertion, and either aborts the WebAssembly instance — for good, since h5wasm
 * keeps one instance per process. So every file is read in its own worker thread, which is terminated
 * after it answers; an abort, a crash or a runaway read (past `timeoutMs`) becomes a DataFormatError
 * naming the file, and the next file gets a fresh libhdf5.
 */
export type H5Value = string | number | bigint | boolean | ArrayBufferView | H5Value[] | null;

export interface H5Attribute {
  /** What h5wasm decodes: strings (fixed-length or variable-length), numbers, typed arrays, arrays of strings. */
  value?: H5Value;
  /** Set instead of `value` when libhdf5 could not read the attribute. */
  error?: string;
}

export interface H5Dtype {
  /** HDF5 type class: 'integer', 'float', 'string', or another class name. */
  class: string;
  /** Bytes per element. */
  size: number;
  vlen: boolean;
}

interface H5Object {
  attrs: Record<string, H5Attribute>;
}
export interface H5Group extends H5Object {
  kind: 'group';
  children: Record<string, H5Node>;
  /** Set when the walk stopped here (depth bound): its children were not read. */
  truncated?: boolean;
}
export interface H5Dataset extends H5Object {
  kind: 'dataset';
  shape: number[];
  dtype: H5Dtype;
  /** The values (row-major), for numeric datasets whose size the file can hold. */
  data?: ArrayBufferView;
  /** Why `data` is absent (not numeric, larger than the file, unreadable). */
  unread?: string;
}
/** A soft or external link, a named datatype, or an object libhdf5 could not open. */
export interface H5Other extends H5Object {
  kind: 'other';
  what: string;
}
export type H5Node = H5Group | H5Dataset | H5Other;

export interface ReadHdf5Options {
  /** How long the read may take before it counts as a runaway (default 30 s; the 2.7 MB Keras MLP takes well under 1 s). */
  timeoutMs?: number;
}

/** Bounds on the walk: a Keras file is at most model_weights/<layer>/<scope…>/<weight>, a few hundred objects. */
const MAX_DEPTH = 8;
const MAX_OBJECTS = 20_000;
const DEFAULT_TIMEOUT_MS = 30_000;
/** The HDF5 superblock signature, at offset 0 or after a user block of 512·2^k bytes. */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function signatureAt(bytes: Uint8Array, offset: number): boolean {
  return offset + SIGNATURE.length <= bytes.length && SIGNATURE.every((b, i) => bytes[offset + i] === b);
}

/**
 * The worker's program, an ES module run from a data: URL: it must load without this project's build step
 * (vitest runs src/ as TypeScript, which a worker thread cannot import), so it is plain JavaScript and
 * Keras-agnostic: it walks the tree within the bounds it is given and posts back plain values. Every
 * dataset's bytes are charged against the file's length, so no read can ask for more than the file holds
 * (Keras never compresses its weights).
 */
const WORKER_SOURCE = String.raw`
import { parentPort, workerData } from 'node:worker_threads';
const { h5wasmUrl, path, size, maxDepth, maxObjects } = workerData;
const h5wasm = (await import(h5wasmUrl)).default;
const Module = await h5wasm.ready;
Module.activate_throwing_error_handler();
const CLASSES = { 0: 'integer', 1: 'float', 2: 'time', 3: 'string', 4: 'bitfield', 5: 'opaque', 6: 'compound', 7: 'reference', 8: 'enum', 9: 'vlen', 10: 'array' };
const message = (e) => String(e && e.message !== undefined ? e.message : e);
let objects = maxObjects;
let budget = size;
const count = () => { if (--objects < 0) throw new Error('more than ' + maxObjects + ' objects'); };
function attrsOf(obj) {
  const out = {};
  for (const name of Object.keys(obj.attrs)) {
    count();
    try {
      const a = obj.attrs[name];
      const m = a.metadata;
      const n = (m.shape || []).reduce((x, y) => x * y, 1) * m.size;
      if (n > budget) { out[name] = { error: 'declares ' + n + ' bytes, more than the file holds' }; continue; }
      budget -= n;
      out[name] = { value: a.value };
    } catch (e) { out[name] = { error: message(e) }; }
  }
  return out;
}
function dataset(ds) {
  const m = ds.metadata;
  const shape = m.shape || [];
  const out = { kind: 'dataset', attrs: attrsOf(ds), shape, dtype: { class: CLASSES[m.type] || 'class ' + m.type, size: m.size, vlen: !!m.vlen } };
  const n = shape.reduce((x, y) => x * y, 1) * m.size;
  if (m.vlen || (m.type !== 0 && m.type !== 1)) out.unread = 'not a numeric dataset';
  else if (n > budget) out.unread = 'declares ' + n + ' bytes of data, more than the file holds';
  else { budget -= n; out.data = ds.value; }
  return out;
}
function walk(group, depth) {
  const node = { kind: 'group', attrs: attrsOf(group), children: {} };
  if (depth >= maxDepth) { node.truncated = true; return node; }
  for (const key of group.keys()) {
    count();
    let child;
    try { child = group.get(key); } catch (e) { node.children[key] = { kind: 'other', what: 'unreadable: ' + message(e), attrs: {} }; continue; }
    if (child instanceof h5wasm.Group) node.children[key] = walk(child, depth + 1);
    else if (child instanceof h5wasm.Dataset) {
      try { node.children[key] = dataset(child); } catch (e) { node.children[key] = { kind: 'other', what: 'unreadable dataset: ' + message(e), attrs: {} }; }
    } else node.children[key] = { kind: 'other', what: child && child.constructor ? child.constructor.name : 'missing', attrs: {} };
  }
  return node;
}
let file;
try {
  file = new h5wasm.File(path, 'r');
  parentPort.postMessage({ root: walk(file, 0) });
} catch (e) {
  parentPort.postMessage({ error: message(e) });
}
`;

/** libhdf5's error stack, condensed to its innermost message: "H5F_open(): unable to read superblock". */
function condense(message: string): string {
  const frames = [...message.matchAll(/#\d+: .*? in (\w+\(\)): (.*)$/gm)];
  const last = frames[frames.length - 1];
  return last ? `libhdf5: ${last[1]}: ${last[2]!.trim()}` : message.split('\n')[0]!.slice(0, 300);
}

/** Every libhdf5 error stack in the snapshot (unreadable attributes and objects), condensed to its message. */
function tidy<T extends H5Node>(node: T): T {
  for (const a of Object.values(node.attrs)) if (a.error !== undefined) a.error = condense(a.error);
  if (node.kind === 'other') node.what = condense(node.what);
  if (node.kind === 'dataset' && node.unread !== undefined) node.unread = condense(node.unread);
  if (node.kind === 'group') for (const child of Object.values(node.children)) tidy(child);
  return node;
}

let h5wasmUrl: string | undefined;

/** Read a whole HDF5 file (bytes) into a snapshot. Anything libhdf5 cannot read → DataFormatError(file, 'hdf5', …). */
export async function readHdf5(bytes: Uint8Array, fileName: string, options: ReadHdf5Options = {}): Promise<H5Group> {
  if (![0, 512, 1024, 2048, 4096].some((o) => signatureAt(bytes, o))) {
    throw new DataFormatError(fileName, 'signature', `not an HDF5 file (no \\x89HDF signature; ${bytes.length} bytes)`);
  }
  h5wasmUrl ??= import.meta.resolve('h5wasm/node');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fail = (detail: string): DataFormatError => new DataFormatError(fileName, 'hdf5', detail);
  // h5wasm's Node build reads the real file system (NODERAWFS): the bytes go to a private temporary file.
  // Removed in the finally below, and on SIGINT/SIGTERM by src/util/cleanup.ts (it holds a copy of the user's model).
  const dir = makeTempDir('mnist-spec-h5-');
  let worker: Worker | undefined;
  try {
    const path = join(dir, 'input.h5');
    await writeFile(path, bytes, { mode: 0o600 });
    worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`), {
      workerData: { h5wasmUrl, path, size: bytes.length, maxDepth: MAX_DEPTH, maxObjects: MAX_OBJECTS },
      // libhdf5's own output (HDF5-DIAG) is turned into exceptions; nothing the worker prints is for the user.
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    const w = worker;
    const reply = await new Promise<{ root?: H5Group; error?: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(fail(`reading took longer than ${timeoutMs} ms: a damaged file that libhdf5 loops on`)), timeoutMs);
      w.once('message', (m: { root?: H5Group; error?: string }) => {
        clearTimeout(timer);
        resolve(m);
      });
      // A WebAssembly abort (libhdf5 asked for more memory than there is, or failed an assertion) ends the worker.
      w.once('error', (e) => {
        clearTimeout(timer);
        reject(fail(`libhdf5 aborted: ${condense(e.message)}`));
      });
      w.once('exit', (code) => {
        clearTimeout(timer);
        reject(fail(`the reader stopped (exit code ${code}) before it answered`));
      });
    });
    if (reply.error !== undefined || !reply.root) throw fail(condense(reply.error ?? 'no answer'));
    return tidy(reply.root);
  } finally {
    await worker?.terminate();
    removeTempDir(dir);
  }
}

/** The object at a '/'-separated path below `group`, or undefined. */
export function h5Get(group: H5Group, path: string): H5Node | undefined {
  let node: H5Node | undefined = group;
  for (const part of path.split('/').filter(Boolean)) {
    if (node?.kind !== 'group') return undefined;
    node = Object.hasOwn(node.children, part) ? node.children[part] : undefined;
  }
  return node;
}
