import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { IDX_NAMES, MNIST_NPZ_SHA256 } from '../../../src/data/canonical.js';
import { downloadMnist } from '../../../src/data/download.js';
import { EMBEDDED_SPLIT } from '../../../src/data/embedded.js';
import { encodeIdx } from '../../../src/data/idx.js';
import { kerasCachePath, loadData } from '../../../src/data/load.js';
import { encodeNpz } from '../../../src/data/npz.js';
import { ArgumentError, ChecksumError, DataFormatError, MnistSpecError } from '../../../src/errors.js';
import { tensor } from '../../../src/tensor.js';
import { sha256 } from '../../../src/util/fs.js';
import { contract, keras } from '../../../src/harness/claims.js';
import { mnistNpz, rejectionOf, synthMnist, writeIdxDir } from '../../support/data.js';
import { suiteSpecs } from '../../../src/harness/spec.js';

const spec = suiteSpecs(import.meta.url);

const LOAD = 'src/data/load.ts';
const ORDER = (item: string) => contract(LOAD, item);
const NAMED_CLAIM = contract(LOAD, 'A source that is named but unusable is an error, never a silent fall-back to the next one.');
const CACHE_CLAIM = keras('keras/datasets/mnist.py (tf.keras)', "file_hash='731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1'");
const DOWNLOAD_CLAIM = contract('src/data/download.ts', 'on an HTTP failure, a checksum mismatch or any write error the cache file is left as it was.');

let root: string;
/** Three directories of 3, 4 and 6 training images, and a Keras home whose cache holds 5. */
let dirA: string, dirB: string, dirRaw: string, kerasHome: string, emptyHome: string;
const cacheData = synthMnist(5, 2, 3);
const cacheBytes = mnistNpz(cacheData);
const cacheSha = sha256(cacheBytes);

let server: Server;
let baseUrl: string;
const served = mnistNpz(synthMnist(7, 3, 9));
const servedSha = sha256(served);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mnist-spec-load-'));
  [dirA, dirB, dirRaw, kerasHome, emptyHome] = ['a', 'b', 'raw', 'keras', 'empty-keras'].map((d) => join(root, d)) as [string, string, string, string, string];
  await writeIdxDir(dirA, synthMnist(3, 2, 1));
  await writeIdxDir(dirB, synthMnist(4, 2, 2));
  await writeIdxDir(dirRaw, synthMnist(6, 1, 4), false);
  await mkdir(join(kerasHome, 'datasets'), { recursive: true });
  await writeFile(join(kerasHome, 'datasets', 'mnist.npz'), cacheBytes);
  await mkdir(emptyHome);

  server = createServer((req, res) => {
    if (req.url === '/mnist.npz') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(served);
    else if (req.url === '/big') res.writeHead(200, { 'content-length': 4096 }).end(new Uint8Array(4096));
    else if (req.url === '/big-chunked') {
      // No content-length: only counting the streamed body can catch it.
      res.writeHead(200);
      for (let i = 0; i < 8; i++) res.write(new Uint8Array(512));
      res.end();
    } else res.writeHead(404).end('not found');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((ok) => server?.close(ok));
  await rm(root, { recursive: true, force: true });
});

spec({ name: 'order:data-option', claim: ORDER("1. `opts.data`: a directory of the four IDX files, or 'embedded';") }, async () => {
  const d = await loadData({ data: dirA, env: { MNIST_DIR: dirB, KERAS_HOME: kerasHome }, kerasCacheSha256: cacheSha });
  expect(d.provenance).toMatchObject({ source: 'directory', location: dirA, counts: { train: 3, test: 2 }, canonical: false });
  expect(d.xTrain).toEqual(synthMnist(3, 2, 1).xTrain);
  expect(d.provenance.files.map((f) => f.name)).toEqual(Object.values(IDX_NAMES).map((n) => `${n}.gz`));
  const bytes = await readFile(join(dirA, `${IDX_NAMES.trainImages}.gz`));
  expect(d.provenance.files[0]).toEqual({ name: `${IDX_NAMES.trainImages}.gz`, sha256: sha256(bytes), bytes: bytes.length });
});

spec({ name: 'order:mnist-dir', claim: ORDER('2. the directory in MNIST_DIR;') }, async () => {
  const d = await loadData({ env: { MNIST_DIR: dirB, KERAS_HOME: kerasHome }, kerasCacheSha256: cacheSha });
  expect(d.provenance).toMatchObject({ source: 'directory', location: dirB, counts: { train: 4, test: 2 } });
});

spec(
  { name: 'order:keras-cache', claim: ORDER("3. the Keras cache `$KERAS_HOME/datasets/mnist.npz`, checked against Keras's sha256 before it is read;") },
  async () => {
    const d = await loadData({ env: { KERAS_HOME: kerasHome }, kerasCacheSha256: cacheSha });
    const path = join(kerasHome, 'datasets', 'mnist.npz');
    expect(d.provenance).toEqual({
      source: 'keras-cache',
      location: path,
      files: [{ name: 'mnist.npz', sha256: cacheSha, bytes: cacheBytes.length }],
      counts: { train: 5, test: 2 },
      canonical: false,
    });
    expect(d.xTrain).toEqual(cacheData.xTrain);
    expect(d.yTest).toEqual(cacheData.yTest);
  },
);

spec({ name: 'order:embedded', claim: ORDER('4. the embedded 10,000 images of the `mnist` package (src/data/embedded.ts).') }, async () => {
  const d = await loadData({ env: { KERAS_HOME: emptyHome } });
  expect(d.provenance).toMatchObject({ source: 'embedded', split: EMBEDDED_SPLIT, counts: { train: 8000, test: 2000 } });
  const word = await loadData({ data: 'embedded', env: { MNIST_DIR: dirB, KERAS_HOME: kerasHome } });
  expect(word.provenance.source).toBe('embedded');
});

spec({ name: 'keras-home', claim: keras('keras/datasets/mnist.py', 'path: path where to cache the dataset locally (relative to ~/.keras/datasets).') }, () => {
  expect(kerasCachePath({ KERAS_HOME: '/k' })).toBe(join('/k', 'datasets', 'mnist.npz'));
  expect(kerasCachePath({ HOME: '/home/u' })).toBe(join('/home/u', '.keras', 'datasets', 'mnist.npz'));
});

spec({ name: 'directory:raw', claim: contract(LOAD, 'each gzip-compressed (preferred: the published checksums are of the .gz) or raw') }, async () => {
  const d = await loadData({ data: dirRaw });
  const want = synthMnist(6, 1, 4);
  expect(d.xTrain).toEqual(want.xTrain);
  expect(d.yTrain).toEqual(want.yTrain);
  expect(d.provenance.files.map((f) => f.name)).toEqual(Object.values(IDX_NAMES));
});

for (const missing of Object.values(IDX_NAMES)) {
  spec({ name: 'directory', params: { missing }, claim: NAMED_CLAIM }, async () => {
    const dir = join(root, `missing-${missing}`);
    await writeIdxDir(dir, synthMnist(2, 2));
    await unlink(join(dir, `${missing}.gz`));
    for (const env of [{ MNIST_DIR: dir, KERAS_HOME: kerasHome }, {}]) {
      const opts = 'MNIST_DIR' in env ? { env, kerasCacheSha256: cacheSha } : { data: dir, env };
      const e = await rejectionOf(loadData(opts));
      expect(e).toBeInstanceOf(ArgumentError);
      expect((e as ArgumentError).argument).toBe('MNIST_DIR' in env ? 'MNIST_DIR' : 'data');
      expect(e.message).toContain(dir);
      expect(e.message).toContain(missing);
    }
  });
}

spec({ name: 'directory:not-a-directory', claim: NAMED_CLAIM }, async () => {
  const nowhere = join(root, 'nowhere');
  const e = await rejectionOf(loadData({ data: nowhere }));
  expect(e).toBeInstanceOf(ArgumentError);
  expect(e.message).toContain(nowhere);
});

/** A directory like dirA with one file replaced. */
async function dirWith(name: string, file: string, bytes: Uint8Array): Promise<string> {
  const dir = join(root, name);
  await writeIdxDir(dir, synthMnist(3, 2));
  await writeFile(join(dir, `${file}.gz`), bytes);
  return dir;
}

const SHAPE_ERRORS: { name: string; file: string; bytes: () => Uint8Array; field: string; detail: RegExp }[] = [
  {
    name: 'label-count',
    file: IDX_NAMES.trainLabels,
    bytes: () => encodeIdx(tensor(new Uint8Array(4), [4]), { gzip: true }),
    field: 'dims[0]',
    detail: /4 labels for 3 images/,
  },
  {
    name: 'image-rows',
    file: IDX_NAMES.testImages,
    bytes: () => encodeIdx(tensor(new Uint8Array(2 * 27 * 28), [2, 27, 28]), { gzip: true }),
    field: 'dims[1]',
    detail: /28 rows/,
  },
  {
    name: 'image-ndim',
    file: IDX_NAMES.trainImages,
    bytes: () => encodeIdx(tensor(new Uint8Array(3 * 784), [3, 784]), { gzip: true }),
    field: 'ndim',
    detail: /3-d/,
  },
  {
    name: 'label-value',
    file: IDX_NAMES.testLabels,
    bytes: () => encodeIdx(tensor(Uint8Array.from([1, 10]), [2]), { gzip: true }),
    field: 'data',
    detail: /label 10 at index 1/,
  },
  { name: 'corrupt', file: IDX_NAMES.trainImages, bytes: () => Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3]), field: 'gzip', detail: /./ },
];

for (const s of SHAPE_ERRORS) {
  spec({ name: 'directory', params: { bad: s.name }, claim: contract('src/errors.ts', 'Bytes that do not decode: names the file and the field') }, async () => {
    const dir = await dirWith(`bad-${s.name}`, s.file, s.bytes());
    const e = await rejectionOf(loadData({ data: dir }));
    expect(e).toBeInstanceOf(DataFormatError);
    expect(e).toMatchObject({ file: join(dir, `${s.file}.gz`), field: s.field });
    expect((e as DataFormatError).detail).toMatch(s.detail);
  });
}

spec({ name: 'keras-cache:checksum', claim: CACHE_CLAIM }, async () => {
  const path = join(kerasHome, 'datasets', 'mnist.npz');
  // Keras's own hash: the synthetic cache is not Keras's file, so nothing is loaded.
  const e = await rejectionOf(loadData({ env: { KERAS_HOME: kerasHome } }));
  expect(e).toBeInstanceOf(ChecksumError);
  expect(e).toMatchObject({ file: path, expected: MNIST_NPZ_SHA256, actual: cacheSha });
  const other = await rejectionOf(loadData({ env: { KERAS_HOME: kerasHome }, kerasCacheSha256: '0'.repeat(64) }));
  expect(other).toMatchObject({ name: 'ChecksumError', expected: '0'.repeat(64) });
});

spec({ name: 'keras-cache:bad-member', claim: contract('src/data/npz.ts', "'<member>: <npy field>' for a member that does not decode") }, async () => {
  const home = join(root, 'bad-cache');
  const d = synthMnist(2, 2);
  const bytes = encodeNpz({ x_train: tensor(d.xTrain.data, [2, 784]), y_train: d.yTrain, x_test: d.xTest, y_test: d.yTest });
  await mkdir(join(home, 'datasets'), { recursive: true });
  await writeFile(join(home, 'datasets', 'mnist.npz'), bytes);
  const e = await rejectionOf(loadData({ env: { KERAS_HOME: home }, kerasCacheSha256: sha256(bytes) }));
  expect(e).toMatchObject({ name: 'DataFormatError', file: join(home, 'datasets', 'mnist.npz'), field: 'x_train.npy: shape' });
});

/** The files of a directory other than the given ones (temp files left behind would show here). */
const listing = async (dir: string): Promise<string[]> => (await readdir(dir).catch(() => [])).sort();

spec({ name: 'download:ok', claim: DOWNLOAD_CLAIM }, async () => {
  const home = join(root, 'dl-ok');
  const r = await downloadMnist({ url: `${baseUrl}/mnist.npz`, expectedSha256: servedSha, kerasHome: home });
  expect(r).toEqual({ path: join(home, 'datasets', 'mnist.npz'), url: `${baseUrl}/mnist.npz`, sha256: servedSha, bytes: served.length });
  expect(new Uint8Array(await readFile(r.path))).toEqual(served);
  expect(await listing(join(home, 'datasets'))).toEqual(['mnist.npz']);
  const d = await loadData({ env: { KERAS_HOME: home }, kerasCacheSha256: servedSha });
  expect(d.provenance).toMatchObject({ source: 'keras-cache', counts: { train: 7, test: 3 } });
});

const FAILURES: { name: string; path: string; sha?: string; maxBytes?: number; error: (e: Error) => void }[] = [
  { name: 'http-404', path: '/missing', error: (e) => expect(e.message).toMatch(/HTTP 404/) },
  {
    name: 'checksum',
    path: '/mnist.npz',
    sha: 'f'.repeat(64),
    error: (e) => expect(e).toMatchObject({ name: 'ChecksumError', expected: 'f'.repeat(64), actual: servedSha }),
  },
  { name: 'too-big', path: '/big', maxBytes: 1024, error: (e) => expect(e.message).toMatch(/declares 4096 bytes, more than the 1024 bytes/) },
  { name: 'too-big-chunked', path: '/big-chunked', maxBytes: 1024, error: (e) => expect(e.message).toMatch(/: more than the 1024 bytes/) },
];

for (const f of FAILURES) {
  spec({ name: `download:fails:${f.name}`, claim: DOWNLOAD_CLAIM }, async () => {
    const fresh = join(root, `dl-${f.name}-fresh`);
    const kept = join(root, `dl-${f.name}-kept`);
    await mkdir(join(kept, 'datasets'), { recursive: true });
    await writeFile(join(kept, 'datasets', 'mnist.npz'), cacheBytes);
    for (const home of [fresh, kept]) {
      const e = await rejectionOf(downloadMnist({ url: `${baseUrl}${f.path}`, expectedSha256: f.sha ?? servedSha, kerasHome: home, maxBytes: f.maxBytes }));
      expect(e).toBeInstanceOf(MnistSpecError);
      f.error(e);
    }
    expect(await listing(join(fresh, 'datasets'))).toEqual([]);
    expect(await listing(join(kept, 'datasets'))).toEqual(['mnist.npz']);
    expect(new Uint8Array(await readFile(join(kept, 'datasets', 'mnist.npz')))).toEqual(cacheBytes);
  });
}

spec({ name: 'download:fails:refused', claim: DOWNLOAD_CLAIM }, async () => {
  // A port that was just free: nothing listens there.
  const probe = createServer();
  await new Promise<void>((ok) => probe.listen(0, '127.0.0.1', ok));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((ok) => probe.close(ok));
  const e = await rejectionOf(downloadMnist({ url: `http://127.0.0.1:${port}/mnist.npz`, kerasHome: join(root, 'dl-refused') }));
  expect(e).toBeInstanceOf(MnistSpecError);
  expect(e.message).toContain(`127.0.0.1:${port}`);
});
