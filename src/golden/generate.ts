import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gitState } from '../util/git.js';
import type { MnistData } from '../data/types.js';
import { ArgumentError } from '../errors.js';
import type { Implementation } from '../impl/interface.js';
import { DEFAULT_OPSET, exportOnnx, INPUT_NAME, OUTPUT_NAME } from '../onnx/export.js';
import { toCategorical } from '../preprocess/index.js';
import { getRecipe, NOTEBOOK_RECIPES } from '../recipes/index.js';
import { prepareImages } from '../recipes/inputs.js';
import { reproduce } from '../reproduce/run.js';
import type { F32Tensor } from '../tensor.js';
import type { FitCallbacks } from '../train/config.js';
import { evaluateProbabilities } from '../train/metrics.js';
import { writeFileAtomic } from '../util/fs.js';
import { VERSION } from '../version.js';
import { compareArgmax, compareClose, ORT_VERSION, runOnnx } from './compare.js';
import { DIGITS_DIR, DIGITS_FILES, loadDigits, type TestDigits } from './digits.js';
import {
  fileEntry,
  GOLDEN_DIR,
  GOLDEN_KIND,
  GOLDEN_SCHEMA_VERSION,
  INPUT_FILE,
  MANIFEST_FILE,
  MODEL_FILE,
  OUTPUT_FILE,
  readManifest,
  verifyFiles,
  type GoldenManifest,
  type GoldenRecipe,
} from './manifest.js';
import { decodeTensorPb, encodeTensorPb } from './tensor-pb.js';
import { GOLDEN_TOLERANCES } from './tolerances.js';

export const GOLDEN_RECIPES: readonly string[] = NOTEBOOK_RECIPES;
export const GOLDEN_SEED = 1;
/** Rows per onnxruntime run when evaluating the 10,000 test images. */
const EVAL_BATCH = 1000;

/**
 * The training budget of each golden model. The TF.js reference trains the 784-512-512-10 MLP at about
 * 6,000 samples/s and the CNN at about 300 samples/s on 2 cores, so the notebooks' own budgets (100 + 3×20
 * MLP epochs) would take over an hour; `npm run golden` takes about 11 minutes. A golden model pins what an
 * implementation computes with given weights, not how well a notebook's budget trains.
 */
export const GOLDEN_BUDGETS: Readonly<Record<string, { epochs: number; why: string }>> = {
  '000': { epochs: 5, why: 'shorter than the notebook\'s 100 (half an hour of training): 5 epochs on unscaled pixels already show the collapse (saturated outputs, loss far above 1)' },
  '001': { epochs: 5, why: 'shorter than the notebook\'s 20 to keep npm run golden short; the model is already past 97%' },
  '002': { epochs: 5, why: 'shorter than the notebook\'s 20 to keep npm run golden short; the model is already past 97%' },
  '003': { epochs: 2, why: 'shorter than the notebook\'s 20: batch 32 makes 4x the steps of batch 128 per epoch' },
  '004-mlp': { epochs: 5, why: 'the notebook\'s own budget' },
  '004-cnn': { epochs: 1, why: 'the notebook\'s own budget' },
};

export interface GenerateOptions {
  data: MnistData;
  impl: Implementation;
  recipes?: readonly string[];
  seed?: number;
  dir?: string;
  /** The command line, recorded in the manifest. */
  command: string;
  log?: (line: string) => void;
  callbacks?: (recipe: string, epochs: number) => FitCallbacks | undefined;
}

const rel = (p: string): string => relative(join(DIGITS_DIR, '..', '..'), p);

/** The golden inputs of one recipe: the fixture digits prepared as its notebook prepares its test set. */
export function goldenInput(recipeId: string, digits: TestDigits): F32Tensor {
  return prepareImages(digits.images, getRecipe(recipeId).input);
}

/** Keras model.evaluate(x_test, y_test) of an ONNX model, run by onnxruntime. */
export async function evaluateOnnx(model: Uint8Array, recipeId: string, data: MnistData): Promise<{ samples: number; accuracy: number; loss: number }> {
  const recipe = getRecipe(recipeId);
  const probs = await runOnnx(model, INPUT_NAME, OUTPUT_NAME, prepareImages(data.xTest, recipe.input), EVAL_BATCH);
  const ev = evaluateProbabilities(probs, toCategorical(data.yTest, 10), recipe.training.loss);
  return { samples: ev.samples, accuracy: ev.accuracy, loss: ev.loss };
}

/** Train, export and record each recipe; the manifest is rewritten (atomically) after each one. */
export async function generateGolden(opts: GenerateOptions): Promise<GoldenManifest> {
  const dir = opts.dir ?? GOLDEN_DIR;
  const seed = opts.seed ?? GOLDEN_SEED;
  const log = opts.log ?? ((): void => undefined);
  const ids = opts.recipes ?? GOLDEN_RECIPES;
  for (const id of ids) if (!GOLDEN_RECIPES.includes(id)) throw new ArgumentError('recipe', `golden models exist for ${GOLDEN_RECIPES.join(', ')}; got "${id}"`);
  const digits = await loadDigits();
  let previous: GoldenManifest | undefined;
  try {
    previous = await readManifest(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const info = await opts.impl.info();
  const manifest: GoldenManifest = {
    kind: GOLDEN_KIND,
    schemaVersion: GOLDEN_SCHEMA_VERSION,
    description:
      'Reference models of the seed notebooks, trained with a fixed seed on full MNIST and exported to ONNX, with fixed inputs and ' +
      'the outputs onnxruntime computes for them, in the ONNX backend-test layout. See golden/README.md.',
    generator: { command: opts.command, suiteVersion: VERSION, git: gitOf(), generatedAt: new Date().toISOString() },
    digits: {
      count: digits.indices.length,
      indices: digits.indices,
      files: await Promise.all(Object.values(DIGITS_FILES).map(async (f) => fileEntry(rel(join(DIGITS_DIR, f)), new Uint8Array(await readFile(join(DIGITS_DIR, f)))))),
    },
    recipes: { ...previous?.recipes },
  };
  for (const id of ids) {
    const recipe = getRecipe(id);
    const budget = GOLDEN_BUDGETS[id]!;
    log(`# ${id}: ${recipe.title}`);
    log(`# ${opts.impl.name} (${info.backend}), seed ${seed}, ${budget.epochs} of the notebook's ${recipe.training.epochs} epoch(s)`);
    let weights: F32Tensor[] | undefined;
    const record = await reproduce({
      recipe,
      impl: opts.impl,
      data: opts.data,
      seed,
      epochs: budget.epochs,
      ...(opts.callbacks?.(id, budget.epochs) ? { callbacks: opts.callbacks(id, budget.epochs)! } : {}),
      onTrained: async (model) => {
        weights = (await model.getWeights()).map((w) => w.tensor);
      },
    });
    const model = exportOnnx(recipe.arch, weights!, { opset: DEFAULT_OPSET });
    const x = goldenInput(id, digits);
    const y = await runOnnx(model, INPUT_NAME, OUTPUT_NAME, x);
    const input = encodeTensorPb(INPUT_NAME, x);
    const output = encodeTensorPb(OUTPUT_NAME, y);
    const test = await evaluateOnnx(model, id, opts.data);
    const files: [string, Uint8Array][] = [
      [MODEL_FILE, model],
      [INPUT_FILE, input],
      [OUTPUT_FILE, output],
    ];
    for (const [name, bytes] of files) await writeFileAtomic(join(dir, id, name), bytes);
    const last = record.history.epochs[record.history.epochs.length - 1];
    const entry: GoldenRecipe = {
      recipe: id,
      notebook: recipe.notebook,
      title: recipe.title,
      seed,
      trainedBy: { implementation: opts.impl.name, version: opts.impl.version, backend: info.backend, ...(info.details ? { details: info.details } : {}) },
      budget: {
        epochs: budget.epochs,
        notebookEpochs: recipe.training.epochs,
        batchSize: recipe.training.batchSize,
        optimizer: record.budget.optimizer,
        loss: recipe.training.loss,
        why: budget.why,
      },
      data: opts.data.provenance,
      opset: DEFAULT_OPSET,
      input: { name: INPUT_NAME, shape: [...x.shape], prep: recipe.input, digits: rel(join(DIGITS_DIR, DIGITS_FILES.index)) },
      output: { name: OUTPUT_NAME, shape: [...y.shape] },
      files: files.map(([name, bytes]) => fileEntry(`${id}/${name}`, bytes)),
      test: { ...test, evaluatedBy: `onnxruntime-node ${ORT_VERSION} (CPU) on model.onnx` },
      training: {
        test: { accuracy: record.test.accuracy, loss: record.test.loss },
        lastEpoch: last ? Object.fromEntries(Object.entries(last).filter(([, v]) => typeof v === 'number')) : {},
        wallSeconds: record.wallSeconds,
        startedAt: record.startedAt,
      },
      ...(recipe.printed ? { printed: recipe.printed } : {}),
      tolerances: GOLDEN_TOLERANCES,
      command: opts.command,
    };
    manifest.recipes[id] = entry;
    manifest.recipes = Object.fromEntries(GOLDEN_RECIPES.filter((r) => manifest.recipes[r]).map((r) => [r, manifest.recipes[r]!]));
    await writeFileAtomic(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    log(`${id}: test accuracy ${test.accuracy}, loss ${test.loss} (onnxruntime on model.onnx; the trainer measured ${record.test.accuracy}, ${record.test.loss}) in ${record.wallSeconds.toFixed(0)} s`);
  }
  return manifest;
}

/**
 * Verify golden/ without writing: every sha256, and onnxruntime reproducing every output_0.pb within the
 * declared tolerance; with data, also each recorded test accuracy and loss. Returns the problems found.
 */
export async function checkGolden(opts: { dir?: string; data?: MnistData; log?: (line: string) => void } = {}): Promise<string[]> {
  const dir = opts.dir ?? GOLDEN_DIR;
  const log = opts.log ?? ((): void => undefined);
  const manifest = await readManifest(dir);
  const problems = [...(await verifyFiles(manifest.digits.files, join(DIGITS_DIR, '..', '..')))];
  for (const [id, entry] of Object.entries(manifest.recipes)) {
    const fileProblems = await verifyFiles(entry.files, dir);
    problems.push(...fileProblems);
    if (fileProblems.length) continue;
    const model = new Uint8Array(await readFile(join(dir, id, MODEL_FILE)));
    const x = decodeTensorPb(new Uint8Array(await readFile(join(dir, id, INPUT_FILE))), `${id}/${INPUT_FILE}`).tensor;
    const y = decodeTensorPb(new Uint8Array(await readFile(join(dir, id, OUTPUT_FILE))), `${id}/${OUTPUT_FILE}`).tensor;
    const got = await runOnnx(model, entry.input.name, entry.output.name, x);
    const c = compareClose(got.data, y.data, entry.tolerances.onnxruntime);
    const a = compareArgmax(got.data, y.data, y.shape[1]!, entry.tolerances.argmax.minMargin);
    if (c.outside) problems.push(`${id}: onnxruntime differs from ${OUTPUT_FILE} in ${c.outside} values (max |Δ| ${c.maxAbs})`);
    if (a.disagreements.length) problems.push(`${id}: onnxruntime predicts another class on rows ${a.disagreements.map((d) => d.row).join(', ')}`);
    let line = `${id}: files ok, onnxruntime max |Δ| ${c.maxAbs}`;
    if (opts.data) {
      const ev = await evaluateOnnx(model, id, opts.data);
      if (ev.accuracy !== entry.test.accuracy) problems.push(`${id}: test accuracy ${ev.accuracy}, manifest says ${entry.test.accuracy}`);
      const tol = entry.tolerances.evaluation.loss;
      if (!(Math.abs(ev.loss - entry.test.loss) <= tol.atol + tol.rtol * Math.abs(entry.test.loss))) problems.push(`${id}: test loss ${ev.loss}, manifest says ${entry.test.loss}`);
      line += `, test accuracy ${ev.accuracy} loss ${ev.loss}`;
    }
    log(line);
  }
  return problems;
}

const gitOf = (): GoldenManifest['generator']['git'] => gitState(join(DIGITS_DIR, '..', '..'));
