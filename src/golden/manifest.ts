import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Provenance } from '../data/types.js';
import { DataFormatError } from '../errors.js';
import type { InputPrep } from '../recipes/index.js';
import { sha256 } from '../util/fs.js';

/** golden/ at the repository root: one ONNX backend-test directory per notebook recipe, and manifest.json. */
export const GOLDEN_DIR = fileURLToPath(new URL('../../golden/', import.meta.url));
export const MANIFEST_FILE = 'manifest.json';
export const GOLDEN_KIND = 'mnist-spec/golden';
export const GOLDEN_SCHEMA_VERSION = 1;

/** The ONNX backend-test layout (onnx/backend/test/data/*): what every recipe directory holds. */
export const MODEL_FILE = 'model.onnx';
export const INPUT_FILE = 'test_data_set_0/input_0.pb';
export const OUTPUT_FILE = 'test_data_set_0/output_0.pb';

/** A file, its path relative to golden/ (or to the repository root for fixtures), sha256 and size. */
export interface GoldenFile {
  path: string;
  sha256: string;
  bytes: number;
}

/** numpy.allclose's rule: |actual − expected| ≤ atol + rtol · |expected|, elementwise. */
export interface Closeness {
  rtol: number;
  atol: number;
  reason: string;
}

export interface GoldenTolerances {
  /** onnxruntime running model.onnx again (any machine, any onnxruntime build) against output_0.pb. */
  onnxruntime: Closeness;
  /** Any implementation given the golden weights (its own kernels) against output_0.pb. */
  implementations: Closeness;
  /** Predicted classes must equal output_0.pb's wherever its top-two probabilities differ by at least minMargin. */
  argmax: { minMargin: number; reason: string };
  /** Re-evaluating model.onnx with onnxruntime on the canonical test set. */
  evaluation: { accuracy: 'exact'; loss: Closeness; reason: string };
  /** export(import(model.onnx)) against model.onnx. */
  roundtrip: { compare: 'bytes'; reason: string };
}

export interface GoldenRecipe {
  recipe: string;
  notebook: string;
  title: string;
  seed: number;
  /** The implementation that trained it (the reference, TF.js, unless --impl said otherwise). */
  trainedBy: { implementation: string; version: string; backend: string; details?: Record<string, unknown> };
  budget: { epochs: number; notebookEpochs: number; batchSize: number; optimizer: unknown; loss: string; why: string };
  data: Provenance;
  opset: number;
  input: { name: string; shape: number[]; prep: InputPrep; digits: string };
  output: { name: string; shape: number[] };
  files: GoldenFile[];
  /** model.evaluate(x_test, y_test) of model.onnx, run by onnxruntime: what the specs re-evaluate against. */
  test: { samples: number; accuracy: number; loss: number; evaluatedBy: string };
  /** What the trainer itself measured on the test set right after training, and its last epoch's log. */
  training: { test: { accuracy: number; loss: number }; lastEpoch: Record<string, number>; wallSeconds: number; startedAt: string };
  /** What the notebook printed at its own budget, for comparison only. */
  printed?: { loss?: number; accuracy: number };
  tolerances: GoldenTolerances;
  command: string;
}

export interface GoldenManifest {
  kind: typeof GOLDEN_KIND;
  schemaVersion: typeof GOLDEN_SCHEMA_VERSION;
  description: string;
  generator: { command: string; suiteVersion: string; git: { commit: string | null; dirty: boolean | null }; generatedAt: string };
  /** The fixed inputs (fixtures/digits), paths relative to the repository root. */
  digits: { count: number; indices: number[]; files: GoldenFile[] };
  recipes: Record<string, GoldenRecipe>;
}

export function fileEntry(path: string, bytes: Uint8Array): GoldenFile {
  return { path, sha256: sha256(bytes), bytes: bytes.length };
}

export async function readManifest(dir = GOLDEN_DIR): Promise<GoldenManifest> {
  const file = join(dir, MANIFEST_FILE);
  let m: GoldenManifest;
  try {
    m = JSON.parse(await readFile(file, 'utf8')) as GoldenManifest;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw e;
    throw new DataFormatError(file, 'JSON', (e as Error).message);
  }
  if (m.kind !== GOLDEN_KIND) throw new DataFormatError(file, 'kind', `expected "${GOLDEN_KIND}", got ${JSON.stringify(m.kind)}`);
  if (m.schemaVersion !== GOLDEN_SCHEMA_VERSION) throw new DataFormatError(file, 'schemaVersion', `expected ${GOLDEN_SCHEMA_VERSION}, got ${JSON.stringify(m.schemaVersion)}`);
  return m;
}

/** Every file the manifest lists whose bytes differ from its record: path and what is wrong (empty when all hold). */
export async function verifyFiles(files: readonly GoldenFile[], root: string): Promise<string[]> {
  const problems: string[] = [];
  for (const f of files) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(join(root, f.path)));
    } catch (e) {
      problems.push(`${f.path}: ${(e as Error).message}`);
      continue;
    }
    const got = sha256(bytes);
    if (got !== f.sha256 || bytes.length !== f.bytes) problems.push(`${f.path}: sha256 ${got} (${bytes.length} bytes), manifest says ${f.sha256} (${f.bytes} bytes)`);
  }
  return problems;
}
