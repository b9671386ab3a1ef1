/**
 * The hostile corpus of the CLI robustness suite: files a hostile but realistic user (or a damaged disk, or
 * an untrusted CI shard) hands to `mnist-spec`, and the command lines that hand them over, each with the
 * verdict the error policy promises (src/cli/errors.ts): the exit code, and for a failure the one line that
 * names the argument or file and says what is wrong. Large spaces (flags, numbers, names, paths, queries)
 * are sampled with fast-check from a fixed seed (MNIST_SPEC_FC_SEED overrides it), so a failure reproduces.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { LAYER_TYPES } from '../../../src/arch/types.js';
import { MAX_EPOCHS, MAX_SECONDS, MAX_SEED } from '../../../src/cli/args.js';
import { IDX_NAMES } from '../../../src/data/canonical.js';
import { encodeIdx } from '../../../src/data/idx.js';
import { tensor } from '../../../src/tensor.js';

export interface Case {
  /** `<class>:<detail>`: the class of hostile input, for the tally. */
  id: string;
  argv: string[];
  cwd?: string;
  env?: Record<string, string | null>;
  /** The exit code the policy promises. */
  code: number;
  /** Substrings the one stderr line must hold: the argument, the file. */
  names?: string[];
  /** What the line must say is wrong. */
  says?: RegExp;
  /** Directories this case may write into; anything written elsewhere fails the suite. */
  outputs?: string[];
  /** For a success: what stdout must show. */
  stdout?: RegExp;
}

export const FC_SEED = Number(process.env.MNIST_SPEC_FC_SEED ?? 13);
const sample = <T>(arb: fc.Arbitrary<T>, n: number, salt: number): T[] => fc.sample(arb, { numRuns: n, seed: FC_SEED + salt });

const GiB = 2 ** 30;
const COMMANDS = ['data', 'summary', 'reproduce', 'conform', 'check', 'help'];

/** Every option name the CLI knows (a generated unknown flag must not be one of them). */
const KNOWN_FLAGS = new Set([
  '--data',
  '--json',
  '--download',
  '--impl',
  '--epochs',
  '--seed',
  '--out',
  '--query',
  '--tier',
  '--expectations',
  '--report-dir',
  '--shard',
  '--timeout',
  '--watchdog-grace',
  '--strict',
  '--only',
  '--each',
  '--recipe',
  '--help',
  '--version',
  '--debug',
]);

/** Paths of the corpus on disk (under one scratch root). */
export interface Layout {
  root: string;
  work: string;
  inputs: string;
  /** A directory of four valid, tiny IDX files (3 training images, 2 test images). */
  tiny: string;
  /** A regular file, where a directory is expected. */
  aFile: string;
  kerasEmpty: string;
  home: string;
}

function idxDir(dir: string, train: number, test: number, opts: { gzip?: boolean } = {}): void {
  mkdirSync(dir, { recursive: true });
  const labels = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i % 10);
  const images = (n: number): Uint8Array => Uint8Array.from({ length: n * 784 }, (_, i) => (i * 37) % 256);
  const files: [string, Uint8Array, number[]][] = [
    [IDX_NAMES.trainImages, images(train), [train, 28, 28]],
    [IDX_NAMES.trainLabels, labels(train), [train]],
    [IDX_NAMES.testImages, images(test), [test, 28, 28]],
    [IDX_NAMES.testLabels, labels(test), [test]],
  ];
  for (const [name, data, shape] of files) writeFileSync(join(dir, `${name}${opts.gzip ? '.gz' : ''}`), encodeIdx(tensor(data, shape), { gzip: !!opts.gzip }));
}

/** A copy of the tiny directory with one file replaced by `make(path)`. */
function tinyWith(base: string, name: string, file: string, make: (path: string) => void): string {
  const dir = join(base, name);
  idxDir(dir, 3, 2);
  const path = join(dir, file);
  rmSync(path, { force: true });
  make(path);
  return dir;
}

/** An IDX header: 00 00 <dtype> <ndim>, then the dimensions, big-endian. */
function idxHeader(dtype: number, dims: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b.set([0, 0, dtype, dims.length]);
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
}

/** A file of `size` bytes that starts with `head` and is sparse after it (no disk, no memory). */
function sparse(path: string, head: Uint8Array, size: number): void {
  writeFileSync(path, head);
  truncateSync(path, size);
}

const mkfifo = (path: string): boolean => spawnSync('mkfifo', [path]).status === 0;

/** A fake implementation module: trains instantly, predicts uniform probabilities; `name` is whatever it declares. */
export function fakeImplementation(path: string, name: string, mode: 'ok' | 'fit-throws' = 'ok'): string {
  writeFileSync(
    path,
    `// A fake implementation for the robustness suite (written by test/cli/robustness/corpus.ts).
const mode = ${JSON.stringify(mode)};
export default {
  name: ${JSON.stringify(name)},
  version: '0.0.1',
  capabilities: { layers: ${JSON.stringify(LAYER_TYPES)}, train: { optimizers: ['sgd', 'rmsprop', 'adam'], losses: ['categorical_crossentropy', 'mean_squared_error'] } },
  async info() { return { backend: 'fake' }; },
  async build() {
    return {
      layers: () => [],
      async getWeights() { return []; },
      async setWeights() {},
      async predict(x) { const n = x.shape[0]; return { data: new Float32Array(n * 10).fill(0.1), shape: [n, 10] }; },
      async fit(x) { if (mode === 'fit-throws') throw new Error('kernel exploded\\n    at fake (fake.js:1:1)'); return { trainSamples: x.shape[0], valSamples: 0, epochs: [] }; },
      dispose() {},
    };
  },
};
`,
  );
  return path;
}

/** A conformance report that passes validation: one notebook claim, passed. `name` is its implementation's. */
export function validReport(name: string, specName = `${name} > model:summary:recipe=001`): object {
  const now = '2026-01-01T00:00:00.000Z';
  return {
    kind: 'mnist-spec/conformance-report',
    schemaVersion: 1,
    suite: { name: 'mnist-spec', version: '0.1.0', commit: null, dirty: null },
    implementation: { name, module: name, declaredName: name },
    machine: { cpu: 'x', cores: 1, memoryBytes: 1, platform: 'linux', arch: 'x64', node: 'v20' },
    data: { embedded: null, full: null },
    run: {
      command: 'mnist-spec conform',
      tier: 'fast',
      queries: ['*'],
      shards: ['1/2'],
      expectationsFile: null,
      startedAt: now,
      finishedAt: now,
      wallSeconds: 1,
      specFiles: [],
      watchdogKills: 0,
      errors: [],
    },
    summary: { total: 1, pass: 1, fail: 0, skip: 0, expectedFail: 0, unexpectedPass: 0, ok: true },
    specs: [
      {
        id: 'model:summary:recipe=001',
        name: specName,
        file: 'spec/model/summary.spec.ts',
        claim: { source: 'seeds/001_x.txt', quote: 'Total params: 669,706' },
        tier: 'fast',
        tags: [],
        status: 'pass',
        durationMs: 1,
        logs: [],
        errors: [],
      },
    ],
  };
}

export function makeLayout(root: string): Layout {
  const l: Layout = {
    root,
    work: join(root, 'work'),
    inputs: join(root, 'inputs'),
    tiny: join(root, 'inputs', 'tiny'),
    aFile: join(root, 'inputs', 'a-file'),
    kerasEmpty: join(root, 'keras-empty'),
    home: join(root, 'home'),
  };
  for (const d of [l.work, l.inputs, l.kerasEmpty, l.home]) mkdirSync(d, { recursive: true });
  idxDir(l.tiny, 3, 2);
  writeFileSync(l.aFile, 'not a directory\n');
  return l;
}

/**
 * The cases run in one process as the current user. Each new hostile file is made here; `outputs` of a
 * case that may succeed say where it may write.
 */
export function batchCases(l: Layout): Case[] {
  const cases: Case[] = [];
  const add = (c: Case): void => void cases.push(c);
  const I = (p: string): string => join(l.inputs, p);
  const out = (name: string): string => join(l.work, 'out', name);

  // ---- 1. usage: commands, flags, values (exit 2, not 1) ----
  add({ id: 'usage:no-command', argv: [], code: 2, says: /no command given/ });
  add({ id: 'usage:help', argv: ['--help'], code: 0, stdout: /Usage: mnist-spec/ });
  add({ id: 'usage:version', argv: ['--version'], code: 0, stdout: /^\d+\.\d+\.\d+/ });
  add({ id: 'usage:help-command', argv: ['help', 'reproduce'], code: 0, stdout: /--seed/ });
  add({ id: 'usage:missing-value', argv: ['data', '--data'], code: 2, names: ['--data'], says: /argument missing/ });
  add({ id: 'usage:missing-value', argv: ['reproduce', '--out'], code: 2, names: ['--out'], says: /argument missing/ });
  add({ id: 'usage:missing-value', argv: ['conform', '--impl'], code: 2, names: ['--impl'], says: /argument missing/ });
  add({ id: 'usage:extra-argument', argv: ['data', 'extra'], code: 2, says: /too many arguments/ });
  add({ id: 'usage:missing-argument', argv: ['check'], code: 2, names: ['model'], says: /missing required argument/ });
  const unknownFlags = sample(
    fc.stringMatching(/^--[a-z][a-z0-9-]{0,12}$/).filter((f) => !KNOWN_FLAGS.has(f) && !f.endsWith('-')),
    20,
    1,
  );
  const commandLines = [['data'], ['summary', '001'], ['reproduce'], ['conform'], ['check', 'm.onnx'], ['conform', 'merge', 'x.json']];
  unknownFlags.forEach((f, i) =>
    add({ id: 'usage:unknown-flag', argv: [...commandLines[i % commandLines.length]!, f], code: 2, names: [f], says: /unknown option/ }),
  );
  const unknownCommands = sample(
    fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/).filter((c) => !COMMANDS.includes(c)),
    10,
    2,
  );
  for (const c of unknownCommands) add({ id: 'usage:unknown-command', argv: [c], code: 2, names: [c], says: /unknown command/ });

  // Numbers: strict decimal in range, else the flag is named; a valid value gets as far as the bad --out.
  const numberish = fc.oneof(
    fc.integer({ min: -5, max: 2 ** 33 }).map(String),
    fc.constantFrom(
      '0x1F',
      '1e20',
      '1e3',
      'Infinity',
      'NaN',
      ' 5',
      '5 ',
      '+5',
      '-0',
      '00',
      '007',
      '1.0',
      '1_000',
      '٣',
      '',
      '0',
      '1',
      '4294967295',
      '4294967296',
      '10000',
      '10001',
      '0.5',
      '.5',
    ),
    fc.string({ maxLength: 8 }),
  );
  const decimalInt = (v: string, max: number): boolean => /^(?:0|[1-9]\d*)$/.test(v) && Number(v) <= max;
  for (const v of sample(numberish, 24, 3)) {
    const ok = decimalInt(v, MAX_SEED);
    add({
      id: 'usage:number:--seed',
      argv: ['reproduce', '001', '--seed', v, '--out', l.aFile, '--data', 'embedded'],
      code: 2,
      names: [ok ? '--out' : '--seed'],
    });
  }
  for (const v of sample(numberish, 16, 4)) {
    const ok = decimalInt(v, MAX_EPOCHS);
    add({
      id: 'usage:number:--epochs',
      argv: ['reproduce', '001', '--epochs', v, '--out', l.aFile, '--data', 'embedded'],
      code: 2,
      names: [ok ? '--out' : '--epochs'],
    });
  }
  for (const v of sample(numberish, 16, 5)) {
    const ok = /^(?:0|[1-9]\d*)(?:\.\d+)?$|^0?\.\d+$/.test(v) && Number(v) > 0 && Number(v) <= MAX_SECONDS;
    add({
      id: 'usage:number:--timeout',
      argv: ['conform', '--impl', 'tfjs', '--timeout', v, '--report-dir', l.aFile],
      code: 2,
      names: [ok ? '--report-dir' : '--timeout'],
    });
  }
  // Queries: no whitespace, no control characters, at most 1000 characters; a good one gets as far as the bad --report-dir.
  const queries = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.stringMatching(/^[a-z:*=;0-9-]{1,30}$/),
    fc.constantFrom('', ' ', 'a b', 'model:**********Z', '*'.repeat(2000), 'x\ty', 'a\u0007'),
  );
  for (const q of sample(queries, 20, 6)) {
    const ok = q.length > 0 && q.length <= 1000 && !/\s/.test(q) && !/\p{Cc}/u.test(q);
    add({ id: 'usage:query', argv: ['conform', '--impl', 'tfjs', '--query', q, '--report-dir', l.aFile], code: 2, names: [ok ? '--report-dir' : '--query'] });
  }
  add({ id: 'usage:recipe', argv: ['reproduce', '999'], code: 2, names: ['<recipe>', '999'], says: /unknown recipe/ });
  add({ id: 'usage:recipe', argv: ['summary', 'nope'], code: 2, names: ['<recipe>'], says: /unknown recipe/ });
  add({ id: 'usage:recipe', argv: ['check', I('m.onnx'), '--recipe', 'nope'], code: 2, names: ['--recipe'], says: /unknown recipe/ });
  add({ id: 'usage:impl', argv: ['summary', '001', '--impl', 'nonesuch'], code: 2, names: ['--impl', 'nonesuch'] });
  add({ id: 'usage:impl', argv: ['check', I('m.onnx'), '--impl', ','], code: 2, names: ['--impl'] });
  add({ id: 'usage:conform', argv: ['conform'], code: 2, names: ['--impl'] });
  add({ id: 'usage:conform', argv: ['conform', '--impl', 'nonesuch'], code: 2, names: ['--impl', 'nonesuch'] });
  add({ id: 'usage:conform', argv: ['conform', '--impl', 'tfjs', '--tier', 'medium'], code: 2, names: ['--tier'] });
  // An empty shard or a query whose area no spec file has are told before anything runs (the conform runs of the suite judge the rest).
  add({
    id: 'usage:empty-shard',
    argv: ['conform', '--impl', 'tfjs', '--query', 'model:summary:*', '--shard', '30/30', '--report-dir', out('shard')],
    code: 2,
    names: ['--shard', '30/30'],
    says: /holds none of the specs selected: they are in \d+ spec file/,
  });
  add({
    id: 'usage:query-selects-nothing',
    argv: ['conform', '--impl', 'tfjs', '--query', 'modle:*', '--report-dir', out('typo')],
    code: 2,
    names: ['--query', 'modle:*'],
    says: /selects no spec/,
  });
  for (const s of ['0/3', '4/3', 'a/b', '1', '1/0', '-1/2'])
    add({ id: 'usage:shard', argv: ['conform', '--impl', 'tfjs', `--shard=${s}`], code: 2, names: ['--shard'] });
  add({
    id: 'usage:reproduce-inference-only',
    argv: ['reproduce', '001', '--impl', 'onnxruntime', '--data', l.tiny, '--out', out('ort')],
    code: 2,
    names: ['--impl', 'onnxruntime'],
    says: /cannot train/,
  });

  // ---- 2. data directories and files (header first, file-system errors named) ----
  add({ id: 'data:missing-dir', argv: ['data', '--data', I('nowhere')], code: 2, names: ['--data', I('nowhere')], says: /not a directory/ });
  add({ id: 'data:file-as-dir', argv: ['data', '--data', l.aFile], code: 2, names: ['--data', l.aFile] });
  mkdirSync(I('empty-dir'));
  add({ id: 'data:empty-dir', argv: ['data', '--data', I('empty-dir')], code: 2, names: ['--data', IDX_NAMES.trainImages] });
  const dangling = tinyWith(l.inputs, 'dangling', IDX_NAMES.trainImages, (p) => symlinkSync(join(l.inputs, 'no-such-target'), p));
  add({ id: 'data:dangling-symlink', argv: ['data', '--data', dangling], code: 2, names: ['--data', IDX_NAMES.trainImages], says: /dangling symbolic link/ });
  const dirAsFile = tinyWith(l.inputs, 'eisdir', IDX_NAMES.trainLabels, (p) => mkdirSync(p));
  add({ id: 'data:directory-as-file', argv: ['data', '--data', dirAsFile], code: 2, names: ['--data', IDX_NAMES.trainLabels], says: /is a directory/ });
  const fifo = tinyWith(l.inputs, 'fifo', IDX_NAMES.testLabels, (p) => void mkfifo(p));
  add({ id: 'data:fifo', argv: ['data', '--data', fifo], code: 2, names: ['--data', IDX_NAMES.testLabels], says: /not a regular file/ });
  const huge = tinyWith(l.inputs, 'huge-3g', IDX_NAMES.trainImages, (p) => sparse(p, new Uint8Array(0), 3 * GiB));
  add({ id: 'data:3GiB-file', argv: ['data', '--data', huge], code: 2, names: [IDX_NAMES.trainImages], says: /dtype|magic/ });
  const float = tinyWith(l.inputs, 'float-1.2g', IDX_NAMES.trainImages, (p) => sparse(p, idxHeader(0x0d, [100_000, 56, 56]), Math.round(1.2 * GiB)));
  add({ id: 'data:1.2GiB-unknown-type', argv: ['data', '--data', float], code: 2, names: [IDX_NAMES.trainImages], says: /dtype: IDX type 0x0d \(float\)/ });
  const extra = tinyWith(l.inputs, 'extra-3g', IDX_NAMES.trainImages, (p) => sparse(p, idxHeader(0x08, [60_000, 28, 28]), 3 * GiB));
  add({ id: 'data:3GiB-valid-header', argv: ['data', '--data', extra], code: 2, names: [IDX_NAMES.trainImages], says: /data: \d+ extra bytes/ });
  const trunc = tinyWith(l.inputs, 'truncated', IDX_NAMES.trainImages, (p) =>
    writeFileSync(p, Buffer.concat([idxHeader(0x08, [60_000, 28, 28]), Buffer.alloc(1000)])),
  );
  add({ id: 'data:truncated', argv: ['data', '--data', trunc], code: 2, names: [IDX_NAMES.trainImages], says: /truncated/ });
  const bomb = tinyWith(l.inputs, 'gz-bomb', `${IDX_NAMES.trainImages}.gz`, (p) =>
    writeFileSync(p, gzipSync(Buffer.concat([idxHeader(0x08, [1, 28, 28]), Buffer.alloc(20 * 2 ** 20)]), { level: 9 })),
  );
  add({ id: 'data:gzip-bomb', argv: ['data', '--data', bomb], code: 2, names: [`${IDX_NAMES.trainImages}.gz`], says: /stream goes on/ });
  const overdeclared = tinyWith(l.inputs, 'gz-overdeclared', `${IDX_NAMES.trainImages}.gz`, (p) =>
    writeFileSync(p, gzipSync(Buffer.concat([idxHeader(0x08, [255_000, 28, 28]), Buffer.alloc(10)]))),
  );
  add({ id: 'data:gzip-declares-200MB', argv: ['data', '--data', overdeclared], code: 2, names: [`${IDX_NAMES.trainImages}.gz`], says: /truncated/ });
  const overCap = tinyWith(l.inputs, 'gz-over-cap', `${IDX_NAMES.trainImages}.gz`, (p) => writeFileSync(p, gzipSync(idxHeader(0x08, [1_000_000, 28, 28]))));
  add({ id: 'data:gzip-declares-over-cap', argv: ['data', '--data', overCap], code: 2, names: [`${IDX_NAMES.trainImages}.gz`], says: /dims\[\d\]/ });
  const corrupt = tinyWith(l.inputs, 'gz-corrupt', `${IDX_NAMES.testImages}.gz`, (p) => writeFileSync(p, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7])));
  add({ id: 'data:gzip-corrupt', argv: ['data', '--data', corrupt], code: 2, names: [`${IDX_NAMES.testImages}.gz`], says: /gzip/ });
  const model = fileURLToPath(new URL('../../../fixtures/keras/tiny-cnn.model.h5', import.meta.url));
  for (const command of [['data'], ['reproduce', '001'], ['conform', '--impl', 'tfjs'], ['check', model]]) {
    add({ id: 'data:empty-path', argv: [...command, '--data', ''], code: 2, names: ['--data'], says: /empty/ });
  }
  add({ id: 'data:env-MNIST_DIR', argv: ['data'], env: { MNIST_DIR: I('nowhere') }, code: 2, names: ['MNIST_DIR', I('nowhere')] });
  const k3g = join(l.inputs, 'keras-3g');
  mkdirSync(join(k3g, 'datasets'), { recursive: true });
  sparse(join(k3g, 'datasets', 'mnist.npz'), new Uint8Array(0), 3 * GiB);
  add({ id: 'data:keras-cache-3GiB', argv: ['data'], env: { KERAS_HOME: k3g, MNIST_DIR: null }, code: 2, names: ['mnist.npz'], says: /3\.0 GiB/ });
  const kDangling = join(l.inputs, 'keras-dangling');
  mkdirSync(join(kDangling, 'datasets'), { recursive: true });
  symlinkSync(join(l.inputs, 'nowhere.npz'), join(kDangling, 'datasets', 'mnist.npz'));
  add({ id: 'data:keras-cache-dangling', argv: ['data'], env: { KERAS_HOME: kDangling, MNIST_DIR: null }, code: 2, names: ['mnist.npz'], says: /dangling/ });
  const kGarbage = join(l.inputs, 'keras-garbage');
  mkdirSync(join(kGarbage, 'datasets'), { recursive: true });
  writeFileSync(join(kGarbage, 'datasets', 'mnist.npz'), 'PK not really');
  add({ id: 'data:keras-cache-checksum', argv: ['data'], env: { KERAS_HOME: kGarbage, MNIST_DIR: null }, code: 2, names: ['mnist.npz'], says: /sha256/ });
  const empty = join(l.inputs, 'no-training-images');
  idxDir(empty, 0, 2);
  add({
    id: 'data:empty-training-set',
    argv: ['reproduce', '001', '--data', empty, '--out', out('empty')],
    code: 2,
    names: ['--data'],
    says: /0 training image/,
  });
  const one = join(l.inputs, 'one-training-image');
  idxDir(one, 1, 2);
  add({
    id: 'data:validation-split-leaves-none',
    argv: ['reproduce', '002', '--data', one, '--epochs', '0', '--out', out('one')],
    code: 2,
    names: ['--data', '002'],
    says: /would train on none/,
  });
  const noTest = join(l.inputs, 'no-test-images');
  idxDir(noTest, 3, 0);
  add({ id: 'data:empty-test-set', argv: ['reproduce', '002', '--data', noTest, '--out', out('notest')], code: 2, names: ['--data'], says: /no test images/ });
  add({ id: 'data:conform-data', argv: ['conform', '--impl', 'tfjs', '--data', I('nowhere')], code: 2, names: ['--data', I('nowhere')] });
  add({ id: 'data:conform-data', argv: ['conform', '--impl', 'tfjs', '--data', dangling], code: 2, names: ['--data'], says: /dangling/ });
  add({ id: 'data:conform-data', argv: ['conform', '--impl', 'tfjs'], env: { MNIST_DIR: I('nowhere') }, code: 2, names: ['MNIST_DIR'] });

  // ---- 3. models given to check ----
  add({ id: 'model:missing', argv: ['check', I('m.onnx')], code: 2, names: ['<model>', 'm.onnx'], says: /no such file/ });
  symlinkSync(I('nowhere.onnx'), I('dangling.onnx'));
  add({ id: 'model:dangling-symlink', argv: ['check', I('dangling.onnx')], code: 2, names: ['<model>'], says: /dangling/ });
  add({ id: 'model:directory', argv: ['check', l.inputs], code: 2, names: ['<model>'], says: /is a directory/ });
  if (mkfifo(I('fifo.onnx'))) add({ id: 'model:fifo', argv: ['check', I('fifo.onnx')], code: 2, names: ['<model>'], says: /not a regular file/ });
  sparse(I('huge.onnx'), new Uint8Array(0), 3 * GiB);
  add({ id: 'model:3GiB-onnx', argv: ['check', I('huge.onnx')], code: 2, names: ['<model>', 'huge.onnx'], says: /3\.0 GiB/ });
  sparse(I('huge.h5'), Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), 3 * GiB);
  add({ id: 'model:3GiB-h5', argv: ['check', I('huge.h5')], code: 2, names: ['<model>', 'huge.h5'], says: /3\.0 GiB/ });
  writeFileSync(I('garbage.onnx'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
  add({ id: 'model:garbage-onnx', argv: ['check', I('garbage.onnx'), '--data', 'embedded'], code: 2, names: ['garbage.onnx'] });
  writeFileSync(I('empty.onnx'), '');
  add({ id: 'model:empty-onnx', argv: ['check', I('empty.onnx'), '--data', 'embedded'], code: 2, names: ['empty.onnx'] });
  writeFileSync(I('garbage.h5'), 'not hdf5 at all');
  add({ id: 'model:garbage-h5', argv: ['check', I('garbage.h5'), '--data', 'embedded'], code: 2, names: ['garbage.h5'], says: /signature/ });

  // ---- 4. output locations, checked before any work ----
  add({ id: 'output:out-is-file', argv: ['reproduce', '001', '--data', l.tiny, '--out', l.aFile], code: 2, names: ['--out', l.aFile], says: /is a file/ });
  add({
    id: 'output:out-under-file',
    argv: ['reproduce', '001', '--data', l.tiny, '--out', join(l.aFile, 'sub')],
    code: 2,
    names: ['--out'],
    says: /ENOTDIR|is a file/,
  });
  add({ id: 'output:out-empty', argv: ['reproduce', '001', '--data', l.tiny, '--out', ''], code: 2, names: ['--out'], says: /empty path/ });
  add({ id: 'output:report-dir-is-file', argv: ['conform', '--impl', 'tfjs', '--report-dir', l.aFile], code: 2, names: ['--report-dir', l.aFile] });

  // ---- 5. implementations that misbehave, and names that would become paths ----
  const impls = join(l.inputs, 'impls');
  mkdirSync(impls);
  const fit = fakeImplementation(join(impls, 'fit-throws.mjs'), 'fit-throws', 'fit-throws');
  add({
    id: 'impl:fit-throws',
    argv: ['reproduce', '001', '--data', l.tiny, '--epochs', '1', '--impl', fit, '--out', out('fit')],
    code: 1,
    names: ['001', 'fit-throws'],
    says: /failed while training: kernel exploded/,
  });
  const chance = fakeImplementation(join(impls, 'chance.mjs'), 'chance');
  add({
    id: 'impl:misses-its-bound',
    argv: ['reproduce', '001', '--data', l.tiny, '--epochs', '5', '--impl', chance, '--out', out('chance')],
    code: 1,
    outputs: [out('chance')],
    stdout: /verdict: fails — accuracy ≥ 0\.\d+/,
  });
  writeFileSync(join(impls, 'syntax.mjs'), 'export default {{{');
  add({
    id: 'impl:syntax-error',
    argv: ['reproduce', '001', '--data', l.tiny, '--impl', join(impls, 'syntax.mjs'), '--out', out('syntax')],
    code: 2,
    names: ['--impl', 'syntax.mjs'],
    says: /cannot load module/,
  });
  writeFileSync(join(impls, 'not-impl.mjs'), 'export default 42;');
  add({
    id: 'impl:not-an-implementation',
    argv: ['summary', '001', '--impl', join(impls, 'not-impl.mjs')],
    code: 2,
    names: ['--impl'],
    says: /not an Implementation/,
  });
  const hostileNames = [
    '../../../../ESCAPED',
    '/etc/cron.d/ESCAPED',
    '..',
    '.',
    '',
    'a/../../b',
    'C:\\ESCAPED',
    'x'.repeat(300),
    'line\nbreak\u001b[31m',
    ...sample(
      fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 24 }).map((a) => String.fromCharCode(...a)),
      6,
      7,
    ),
    ...sample(
      fc.array(fc.constantFrom('..', '.', '/', 'ESC', '\\', '~'), { maxLength: 8 }).map((a) => a.join('')),
      6,
      8,
    ),
  ];
  hostileNames.forEach((name, i) => {
    const module = fakeImplementation(join(impls, `hostile-${i}.mjs`), name);
    // Deep below work/, so that an escape by ../ lands in a directory the suite watches.
    const dir = join(l.work, 'deep', `n${i}`, 'a', 'b', 'c');
    add({
      id: 'names:declared-name-as-path',
      argv: ['reproduce', '001', '--data', l.tiny, '--epochs', '0', '--impl', module, '--out', dir, '--json'],
      code: 0,
      outputs: [dir],
      stdout: /"kind": "mnist-spec\/run"/,
    });
  });
  // Paths for --out made of .., ., a file and fresh names, below a deep base so that nothing leaves the scratch root.
  const base = join(l.work, 'paths', 'p1', 'p2', 'p3');
  mkdirSync(base, { recursive: true });
  writeFileSync(join(base, 'file'), 'x');
  const rels = sample(fc.array(fc.constantFrom('..', '.', 'file', 'new', 'x y', 'ü'), { minLength: 1, maxLength: 5 }), 10, 9).map((a) => {
    let depth = 0;
    return a.filter((s) => (s === '..' ? ++depth <= 3 : true)).join('/') || '.';
  });
  /** Is the nearest existing path at or above `dir` a file? Then no directory can be made there. */
  const blockedByFile = (dir: string): boolean => {
    for (let p = dir; ; p = dirname(p)) {
      let st;
      try {
        st = statSync(p, { throwIfNoEntry: false });
      } catch {
        return true; // ENOTDIR: a file on the way
      }
      if (st) return !st.isDirectory();
    }
  };
  for (const rel of rels) {
    const dir = resolve(base, rel);
    const throughFile = blockedByFile(dir);
    add({
      id: 'paths:--out',
      argv: ['reproduce', '001', '--data', l.tiny, '--epochs', '0', '--impl', join(impls, 'hostile-0.mjs'), '--out', join(base, rel)],
      code: throughFile ? 2 : 0,
      ...(throughFile ? { names: ['--out'] } : { outputs: [dir] }),
    });
  }

  // ---- 6. results files given to conform merge (untrusted: they come from CI shards) ----
  const merge = join(l.inputs, 'merge');
  mkdirSync(merge);
  const j = (name: string, v: unknown): string => (writeFileSync(join(merge, name), typeof v === 'string' ? v : JSON.stringify(v)), join(merge, name));
  const reportDir = (name: string): string => join(l.work, 'merged', name);
  add({ id: 'merge:no-report-dir', argv: ['conform', 'merge', j('ok.json', validReport('impl-a'))], code: 2, names: ['--report-dir'] });
  add({
    id: 'merge:not-json',
    argv: ['conform', 'merge', j('nojson.json', '{"kind": '), '--report-dir', reportDir('x')],
    code: 2,
    names: ['merge', 'nojson.json'],
    says: /not JSON/,
  });
  add({ id: 'merge:array', argv: ['conform', 'merge', j('array.json', [1, 2]), '--report-dir', reportDir('x')], code: 2, names: ['merge', 'array.json'] });
  const bad = validReport('impl-a') as { specs: object[] };
  bad.specs = [{}];
  add({
    id: 'merge:malformed-spec',
    argv: ['conform', 'merge', j('bad-spec.json', bad), '--report-dir', reportDir('x')],
    code: 2,
    names: ['merge', 'bad-spec.json', 'specs[0].id'],
  });
  add({
    id: 'merge:schema-version',
    argv: ['conform', 'merge', j('v9.json', { ...validReport('impl-a'), schemaVersion: 9 }), '--report-dir', reportDir('x')],
    code: 2,
    names: ['v9.json', 'schemaVersion'],
  });
  add({
    id: 'merge:no-suite',
    argv: ['conform', 'merge', j('no-suite.json', { ...validReport('impl-a'), suite: 'x' }), '--report-dir', reportDir('x')],
    code: 2,
    names: ['no-suite.json', 'report.suite'],
  });
  add({
    id: 'merge:bad-jsonl',
    argv: ['conform', 'merge', j('r.jsonl', '{"t":"result"}\nnot json\n'), '--report-dir', reportDir('x')],
    code: 2,
    names: ['r.jsonl', 'line 1'],
  });
  add({
    id: 'merge:bad-vitest-json',
    argv: ['conform', 'merge', j('vitest.json', { testResults: [1] }), '--report-dir', reportDir('x')],
    code: 2,
    names: ['vitest.json', 'testResults[0]'],
  });
  add({
    id: 'merge:two-implementations',
    argv: ['conform', 'merge', j('a.json', validReport('impl-a')), j('b.json', validReport('impl-b')), '--report-dir', reportDir('x')],
    code: 2,
    names: ['merge'],
    says: /different implementations/,
  });
  add({ id: 'merge:impl-mismatch', argv: ['conform', 'merge', join(merge, 'a.json'), '--impl', 'impl-b'], code: 2, names: ['--impl'] });
  add({ id: 'merge:directory', argv: ['conform', 'merge', merge, '--report-dir', reportDir('x')], code: 2, names: ['merge'], says: /is a directory/ });
  sparse(join(merge, 'huge.json'), new Uint8Array(0), 3 * GiB);
  add({
    id: 'merge:3GiB-file',
    argv: ['conform', 'merge', join(merge, 'huge.json'), '--report-dir', reportDir('x')],
    code: 2,
    names: ['merge', 'huge.json'],
    says: /3\.0 GiB/,
  });
  add({ id: 'merge:report-dir-is-file', argv: ['conform', 'merge', join(merge, 'a.json'), '--report-dir', l.aFile], code: 2, names: ['--report-dir'] });
  hostileNames.slice(0, 8).forEach((name, i) => {
    const file = j(`hostile-${i}.json`, validReport(name));
    add({
      id: 'names:report-name-as-path',
      argv: ['conform', 'merge', file, '--report-dir', reportDir(`h${i}`)],
      code: 0,
      outputs: [reportDir(`h${i}`)],
      stdout: /CONFORMS: 1 pass/,
    });
  });
  add({
    id: 'names:report-name-as-path',
    argv: ['conform', 'merge', join(merge, 'hostile-0.json'), '--impl', '../../../../ESCAPED'],
    cwd: l.work,
    code: 0,
    outputs: [join(l.work, 'reports')],
  });
  // Raw results are judged against the expectations file: a pattern that backtracks catastrophically in a RegExp.
  const raw = {
    t: 'result',
    name: 'impl-a > model:summary:recipe=001',
    file: 'spec/model/summary.spec.ts',
    state: 'passed',
    durationMs: 1,
    errors: [],
    logs: [],
    spec: { id: 'model:summary:recipe=001' },
  };
  const bombQuery = `model:${'*'.repeat(30)}Z`;
  add({
    id: 'merge:expectations-bomb',
    argv: [
      'conform',
      'merge',
      j('raw.jsonl', JSON.stringify(raw) + '\n'),
      '--impl',
      'impl-a',
      '--report-dir',
      reportDir('bomb'),
      '--expectations',
      j('ex.json', { expectations: [{ query: bombQuery, status: 'fail', reason: 'catastrophic pattern' }] }),
    ],
    code: 0,
    outputs: [reportDir('bomb')],
    stdout: /CONFORMS: 1 pass/,
  });
  add({
    id: 'merge:expectations-not-json',
    argv: ['conform', 'merge', join(merge, 'a.json'), '--report-dir', reportDir('x'), '--expectations', join(merge, 'nojson.json')],
    code: 2,
    names: ['--expectations', 'nojson.json'],
  });
  return cases;
}

/** Cases that need a user the file-system permissions apply to (run as `nobody` when the suite runs as root). */
export function permissionCases(l: Layout): Case[] {
  const p = join(l.root, 'perm');
  mkdirSync(p);
  // Where the other user may write: its cwd, temp dir and home, and the merged reports.
  for (const d of ['out', 'tmp', 'home']) {
    mkdirSync(join(p, d));
    chmodSync(join(p, d), 0o777);
  }
  const cases: Case[] = [];
  const unreadable = join(p, 'unreadable-file');
  idxDir(unreadable, 3, 2);
  chmodSync(join(unreadable, IDX_NAMES.trainLabels), 0o000);
  cases.push({
    id: 'perm:data-file-EACCES',
    argv: ['data', '--data', unreadable],
    code: 2,
    names: ['--data', IDX_NAMES.trainLabels],
    says: /permission denied/,
  });
  const closed = join(p, 'closed-dir');
  idxDir(closed, 3, 2);
  chmodSync(closed, 0o000);
  cases.push({ id: 'perm:data-dir-EACCES', argv: ['data', '--data', closed], code: 2, names: ['--data', closed], says: /permission denied/ });
  writeFileSync(join(p, 'model.onnx'), 'x');
  chmodSync(join(p, 'model.onnx'), 0o000);
  cases.push({ id: 'perm:model-EACCES', argv: ['check', join(p, 'model.onnx')], code: 2, names: ['<model>', 'model.onnx'], says: /permission denied/ });
  mkdirSync(join(p, 'read-only'), { mode: 0o555 });
  chmodSync(join(p, 'read-only'), 0o555);
  cases.push({
    id: 'perm:out-EACCES',
    argv: ['reproduce', '001', '--data', l.tiny, '--out', join(p, 'read-only', 'runs')],
    code: 2,
    names: ['--out'],
    says: /permission denied/,
  });
  cases.push({ id: 'perm:out-root', argv: ['reproduce', '001', '--data', l.tiny, '--out', '/'], code: 2, names: ['--out'], says: /permission denied/ });
  cases.push({
    id: 'perm:report-dir-root',
    argv: ['conform', '--impl', 'tfjs', '--report-dir', '/'],
    code: 2,
    names: ['--report-dir'],
    says: /permission denied/,
  });
  const kHome = join(p, 'keras');
  mkdirSync(join(kHome, 'datasets'), { recursive: true });
  writeFileSync(join(kHome, 'datasets', 'mnist.npz'), 'x');
  chmodSync(join(kHome, 'datasets', 'mnist.npz'), 0o000);
  cases.push({
    id: 'perm:keras-cache-EACCES',
    argv: ['data'],
    env: { KERAS_HOME: kHome, MNIST_DIR: null },
    code: 2,
    names: ['mnist.npz'],
    says: /permission denied/,
  });
  writeFileSync(join(p, 'shard.json'), JSON.stringify(validReport('impl-a')));
  chmodSync(join(p, 'shard.json'), 0o000);
  cases.push({
    id: 'perm:merge-file-EACCES',
    argv: ['conform', 'merge', join(p, 'shard.json'), '--report-dir', join(p, 'out', 'merged')],
    code: 2,
    names: ['merge', 'shard.json'],
    says: /permission denied/,
  });
  writeFileSync(join(p, 'ex.json'), '{}');
  chmodSync(join(p, 'ex.json'), 0o000);
  cases.push({
    id: 'perm:expectations-EACCES',
    argv: ['conform', '--impl', 'tfjs', '--expectations', join(p, 'ex.json')],
    code: 2,
    names: ['--expectations', 'ex.json'],
    says: /permission denied/,
  });
  return cases;
}
