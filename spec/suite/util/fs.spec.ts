import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { sha256, sha256File, writeFileAtomic } from '../../../src/util/fs.js';
import { contract } from '../../../src/harness/claims.js';
import { rejectionOf } from '../../support/data.js';
import { suiteSpecs } from '../../../src/harness/spec.js';

const spec = suiteSpecs(import.meta.url);

const ATOMIC = contract('src/util/fs.ts', 'On any error the temp file is removed and the target is left as it was.');
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mnist-spec-fs-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

spec({ name: 'sha256', claim: contract('FIPS 180-4', 'SHA-256') }, async () => {
  // The published test vector for "abc".
  expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  const path = join(root, 'abc');
  await writeFile(path, 'abc');
  expect(await sha256File(path)).toBe(sha256(new TextEncoder().encode('abc')));
});

spec({ name: 'write-atomic:replaces', claim: ATOMIC }, async () => {
  const dir = join(root, 'replace');
  await mkdir(dir);
  const path = join(dir, 'report.json');
  await writeFileAtomic(path, 'old');
  await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
  expect(new Uint8Array(await readFile(path))).toEqual(new Uint8Array([1, 2, 3]));
  expect(await readdir(dir)).toEqual(['report.json']);
});

spec({ name: 'write-atomic:failure', claim: ATOMIC }, async () => {
  // The target is a non-empty directory: the rename fails after the temp file was written.
  const dir = join(root, 'fail');
  await mkdir(join(dir, 'target'), { recursive: true });
  await writeFile(join(dir, 'target', 'keep'), 'x');
  const e = await rejectionOf(writeFileAtomic(join(dir, 'target'), 'new'));
  expect((e as NodeJS.ErrnoException).code).toMatch(/^(EISDIR|ENOTEMPTY|EEXIST|EPERM)$/);
  expect((await readdir(dir)).sort()).toEqual(['target']);
  expect(await readFile(join(dir, 'target', 'keep'), 'utf8')).toBe('x');
  // A missing parent directory is created (reports/, the Keras cache), and the file lands whole.
  await writeFileAtomic(join(dir, 'absent', 'f'), 'x');
  expect(await readdir(join(dir, 'absent'))).toEqual(['f']);
});
