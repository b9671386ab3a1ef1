import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { modelWeightSpecs, paramCountOf, resolveArchitecture, type ParamCount } from '../arch/resolve.js';
import type { Architecture } from '../arch/types.js';
import { loadData } from '../data/load.js';
import type { MnistData } from '../data/types.js';
import { ArgumentError } from '../errors.js';
import { loadImplementation } from '../impl/registry.js';
import { readKerasH5, kerasWeightsFor } from '../keras/h5.js';
import { knownKerasFile, type KnownKerasFile } from '../keras/known.js';
import { importOnnx } from '../onnx/import.js';
import { BOUNDS, describeOutcome } from '../recipes/bounds.js';
import { getRecipe, type InputPrep, type Recipe } from '../recipes/index.js';
import { prepareImages } from '../recipes/inputs.js';
import { toCategorical } from '../preprocess/index.js';
import { shapeString, type F32Tensor } from '../tensor.js';
import { argmaxRow, evaluateProbabilities } from '../train/metrics.js';
import type { LossName } from '../train/config.js';
import { sha256 } from '../util/fs.js';

/**
 * `mnist-spec check`: is a model someone brings (ONNX, or Keras HDF5) an MNIST classifier that does what it
 * claims? Each claim gets a verdict: the input and output shapes, the parameter count against a recipe,
 * probabilities that sum to 1, the accuracy on the test set at hand, the agreement of the implementations
 * that run it (same weights, different runtimes), and — for a file whose own Keras evaluation is on record
 * (src/keras/known.ts) — Keras's printed numbers.
 *
 * The accuracy claim is a sanity bound, not a notebook's number: a user's model was trained its own way.
 * With --recipe, it is the bound the suite holds that recipe's reproduction to on the data in use
 * (src/recipes/bounds.ts: e.g. 001 on the full set ≥ 0.98); without one, or for a recipe that does not
 * learn (000, 004-mlp), it is GENERIC_MIN_ACCURACY. The notebook's printed accuracy is shown beside ours.
 */
export const DEFAULT_IMPLEMENTATIONS = ['tfjs', 'onnxruntime'] as const;
/** Any working MNIST classifier clears 0.9 (logistic regression reaches 0.92); chance is 0.1. */
export const GENERIC_MIN_ACCURACY = 0.9;
/** A softmax in float32 sums to 1 within ~1e-7 per class; 1e-5 catches a missing softmax or a wrong axis. */
export const PROBABILITY_SUM_TOLERANCE = 1e-5;
/**
 * Two float32 runtimes running the same weights differ by rounding only: ~1e-7 per probability (measured on
 * the real Keras MLP: tfjs vs onnxruntime 4.1e-6 at most). 1e-4 is far above that and far below any real bug.
 */
export const AGREEMENT_MAX_ABS = 1e-4;
/** Rounding can flip an argmax only where two classes tie to ~1e-7: at most 1 sample in 1,000. */
export const AGREEMENT_MIN_ARGMAX = 0.999;
/** Keras's printed loss is a float32 mean over batches; ours a float64 mean of float32 probabilities (observed |Δ| ≤ 1.4e-8). */
export const KERAS_LOSS_TOLERANCE = 1e-5;
/** The inputs a notebook feeds: flat 784, a 28×28 image (Flatten inside), or 28×28×1 for Conv2D. */
const INPUT_SHAPES: Record<string, InputPrep> = { '784': 'flat-scaled', '28,28': 'image-scaled', '28,28,1': 'image-channels-scaled' };

export interface CheckOptions {
  /** Path of the model: .onnx, or a Keras .h5 (full model or weights only). */
  model: string;
  /** Recipe id: the architecture of a weights-only .h5, and what the parameter count and accuracy are held to. */
  recipe?: string;
  /** MNIST directory or 'embedded' (default: loadData's order: MNIST_DIR, Keras cache, embedded). */
  data?: string;
  /** Implementations to run (default tfjs and onnxruntime). */
  impls?: string[];
  /** Progress lines (which implementation is running). */
  log?: (line: string) => void;
}

export type Status = 'pass' | 'fail' | 'skip';
export interface ClaimVerdict {
  id: string;
  status: Status;
  /** What was measured, and what it was held to, in words. */
  detail: string;
  measured?: unknown;
}

export interface ImplementationRun {
  name: string;
  backend?: string;
  status: 'ran' | 'skipped' | 'error';
  reason?: string;
  accuracy?: number;
  loss?: number;
  maxSumError?: number;
}

export interface CheckResult {
  kind: 'mnist-spec/check';
  schemaVersion: 1;
  model: {
    file: string;
    bytes: number;
    sha256: string;
    format: 'onnx' | 'keras-hdf5';
    /** Where the architecture came from: the file itself, or --recipe (a weights-only .h5). */
    architecture: 'file' | 'recipe';
    kerasVersion?: string;
    inputShape: number[];
    outputShape: number[];
    params: ParamCount;
  };
  recipe?: { id: string; title: string; printed?: { loss?: number; accuracy: number } };
  /** Keras's own evaluation of this very file, when its sha256 is on record. */
  known?: { by: string; printed: { loss: number; accuracy: number } };
  data: { source: string; location: string; canonical: boolean; split?: string; testSamples: number; note: string };
  loss: LossName;
  implementations: ImplementationRun[];
  claims: ClaimVerdict[];
  ok: boolean;
}

interface LoadedModel {
  arch: Architecture;
  weights: F32Tensor[];
  format: CheckResult['model']['format'];
  architecture: CheckResult['model']['architecture'];
  kerasVersion?: string;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

async function loadModel(bytes: Uint8Array, file: string, recipe: Recipe | undefined): Promise<LoadedModel> {
  if (Buffer.from(bytes.subarray(0, 8)).equals(HDF5_SIGNATURE) || /\.(h5|hdf5)$/i.test(file)) {
    const h5 = await readKerasH5(bytes, file);
    const arch = h5.arch ?? recipe?.arch;
    if (!arch) {
      throw new ArgumentError('--recipe', `${file} holds weights only (model.save_weights, no model_config): name the recipe whose architecture they belong to, e.g. --recipe 001`);
    }
    return { arch, weights: kerasWeightsFor(h5, arch), format: 'keras-hdf5', architecture: h5.arch ? 'file' : 'recipe', ...(h5.kerasVersion ? { kerasVersion: h5.kerasVersion } : {}) };
  }
  const m = importOnnx(bytes, file);
  return { ...m, format: 'onnx', architecture: 'file' };
}

function dataNote(d: MnistData): string {
  const p = d.provenance;
  if (p.canonical) return `the canonical MNIST test set (${p.counts.test} images, ${p.source} ${p.location})`;
  if (p.source === 'embedded') {
    return `the embedded ${p.split ?? ''} test split (${p.counts.test} images of MNIST's training set: a model trained on full MNIST has seen them; set --data or MNIST_DIR for the real test set)`;
  }
  return `${p.counts.test} test images from ${p.source} ${p.location} (not canonical MNIST)`;
}

const fmt = (x: number, digits = 4): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
const sci = (x: number): string => (x === 0 ? '0' : x.toExponential(1));

/** Run every claim on a model file. Bad usage or a bad file throws (ArgumentError, DataFormatError, UnsupportedError). */
export async function runCheck(opts: CheckOptions): Promise<CheckResult> {
  const log = opts.log ?? ((): void => undefined);
  const recipe = opts.recipe === undefined ? undefined : getRecipeArg(opts.recipe);
  const file = basename(opts.model);
  const info = await stat(opts.model).catch(() => undefined);
  if (!info?.isFile()) throw new ArgumentError('<model>', `${opts.model}: no such file`);
  const bytes = new Uint8Array(await readFile(opts.model));
  const digest = sha256(bytes);
  const model = await loadModel(bytes, file, recipe);
  const resolved = resolveArchitecture(model.arch);
  const params = paramCountOf(modelWeightSpecs(resolved));
  const known: KnownKerasFile | undefined = knownKerasFile(digest);
  const data = await loadData(opts.data === undefined ? {} : { data: opts.data }).catch((e: unknown) => {
    if (e instanceof ArgumentError && e.argument === 'data') throw new ArgumentError('--data', e.detail);
    throw e;
  });
  const loss: LossName = recipe?.training.loss ?? 'categorical_crossentropy';
  const claims: ClaimVerdict[] = [];
  const claim = (id: string, pass: boolean | undefined, detail: string, measured?: unknown): void =>
    void claims.push({ id, status: pass === undefined ? 'skip' : pass ? 'pass' : 'fail', detail, ...(measured !== undefined ? { measured } : {}) });

  // ---- shapes and size ----
  const inKey = resolved.inputShape.join(',');
  const inputPrep = INPUT_SHAPES[inKey];
  claim('input-shape', inputPrep !== undefined, `${shapeString(resolved.inputShape)}; a notebook feeds (784,), (28, 28) or (28, 28, 1)`, resolved.inputShape);
  const outputOk = resolved.outputShape.length === 1 && resolved.outputShape[0] === 10;
  claim('output-shape', outputOk, `${shapeString(resolved.outputShape)}; ten digit classes: (10,)`, resolved.outputShape);
  if (recipe) {
    const expected = paramCountOf(modelWeightSpecs(resolveArchitecture(recipe.arch)));
    claim('param-count', params.total === expected.total, `${params.total.toLocaleString('en-US')} parameters; recipe ${recipe.id} has ${expected.total.toLocaleString('en-US')}`, params);
  } else {
    claim('param-count', undefined, `${params.total.toLocaleString('en-US')} parameters; no --recipe to compare with`, params);
  }

  // ---- run the model on the test set, once per implementation ----
  const runs: ImplementationRun[] = [];
  const probs = new Map<string, F32Tensor>();
  const yTest = toCategorical(data.yTest, 10);
  // Named implementations are loaded first, so a bad --impl is bad usage before anything runs.
  const impls = await Promise.all((opts.impls ?? DEFAULT_IMPLEMENTATIONS).map((name) => loadImplementation(name)));
  if (inputPrep && outputOk) {
    // Seed 000 as it ran fed unscaled pixels; every other notebook scales by 1/255.
    const prep: InputPrep = recipe?.input === 'flat-unscaled' && inputPrep === 'flat-scaled' ? 'flat-unscaled' : inputPrep;
    const xTest = prepareImages(data.xTest, prep);
    for (const impl of impls) {
      const run: ImplementationRun = { name: impl.name, status: 'ran' };
      runs.push(run);
      try {
        const missing = resolved.layers.map((l) => l.type).filter((t) => !impl.capabilities.layers.includes(t));
        if (missing.length) {
          Object.assign(run, { status: 'skipped', reason: `does not declare layers ${[...new Set(missing)].join(', ')}` });
          continue;
        }
        run.backend = (await impl.info()).backend;
        log(`running ${impl.name} (${run.backend}) on ${xTest.shape[0]} test images`);
        const m = await impl.build(model.arch, { seed: 1 });
        try {
          await m.setWeights(model.weights);
          const p = await m.predict(xTest, { batchSize: 128 });
          probs.set(impl.name, p);
          const ev = evaluateProbabilities(p, yTest, loss);
          run.accuracy = ev.accuracy;
          run.loss = ev.loss;
          let worst = 0;
          for (let i = 0; i < p.shape[0]!; i++) {
            let s = 0;
            for (let j = 0; j < 10; j++) {
              const v = p.data[i * 10 + j]!;
              s += v >= 0 && v <= 1 ? v : NaN; // a value outside [0, 1] is no probability
            }
            worst = Math.max(worst, Number.isNaN(s) ? Infinity : Math.abs(s - 1));
          }
          run.maxSumError = worst;
        } finally {
          m.dispose();
        }
      } catch (e) {
        Object.assign(run, { status: 'error', reason: (e as Error).message });
      } finally {
        await impl.close?.();
      }
    }
  }
  const ran = runs.filter((r) => r.status === 'ran');
  const noRun = !inputPrep || !outputOk ? 'the model does not take MNIST images to ten classes' : 'no implementation ran the model';
  for (const r of runs.filter((x) => x.status === 'error')) claim(`runs:${r.name}`, false, `${r.name} failed: ${r.reason}`);

  // ---- probabilities ----
  if (ran.length) {
    const ok = ran.every((r) => r.maxSumError! <= PROBABILITY_SUM_TOLERANCE);
    claim('probabilities', ok, `${ran.map((r) => `${r.name}: max |Σp − 1| ${sci(r.maxSumError!)}`).join(', ')}; each row in [0, 1] summing to 1 within ${sci(PROBABILITY_SUM_TOLERANCE)}`, Object.fromEntries(ran.map((r) => [r.name, r.maxSumError])));
  } else claim('probabilities', undefined, noRun);

  // ---- accuracy: a sanity bound; the notebook's and Keras's numbers beside ours ----
  const tier = data.provenance.canonical ? 'full' : 'embedded';
  // Full data: the bound at the notebook's own budget; embedded: the recipe's short-budget bound, the only one there.
  const bound = recipe ? BOUNDS.find((b) => b.recipe === recipe.id && b.data === tier && (tier === 'embedded' || b.epochs === recipe.training.epochs)) : undefined;
  const minAccuracy = bound?.outcome.kind === 'learns' ? bound.outcome.minAccuracy : GENERIC_MIN_ACCURACY;
  const boundWhy = bound?.outcome.kind === 'learns' ? `recipe ${recipe!.id}'s ${tier}-data bound (${describeOutcome(bound.outcome)}: ${bound.why})` : `any working MNIST classifier (${GENERIC_MIN_ACCURACY})`;
  const beside = recipe?.printed ? `; notebook ${recipe.notebook} printed ${recipe.printed.accuracy}` : '';
  for (const r of ran) {
    claim(`accuracy:${r.name}`, r.accuracy! >= minAccuracy, `${fmt(r.accuracy!)} (loss ${fmt(r.loss!, 5)}) on ${data.provenance.counts.test} test images; ≥ ${minAccuracy}, ${boundWhy}${beside}`, { accuracy: r.accuracy, loss: r.loss });
  }
  if (!ran.length) claim('accuracy', undefined, noRun);

  // ---- this very file's Keras evaluation, when on record (canonical test set only) ----
  if (known) {
    for (const r of ran) {
      if (!data.provenance.canonical) {
        claim(`keras-printed:${r.name}`, undefined, `Keras printed accuracy ${known.printed.accuracy}, loss ${known.printed.loss} on the canonical test set; this run has ${data.provenance.source} data`);
        continue;
      }
      const dLoss = Math.abs(r.loss! - known.printed.loss);
      claim(
        `keras-printed:${r.name}`,
        r.accuracy === known.printed.accuracy && dLoss <= KERAS_LOSS_TOLERANCE,
        `accuracy ${fmt(r.accuracy!)} vs Keras ${known.printed.accuracy} (exact), loss ${fmt(r.loss!, 5)} vs Keras ${known.printed.loss} (|Δ| ${sci(dLoss)} ≤ ${sci(KERAS_LOSS_TOLERANCE)}); ${known.by}`,
        { accuracy: r.accuracy, loss: r.loss, lossDelta: r.loss! - known.printed.loss },
      );
    }
  }

  // ---- agreement between the implementations, on the same weights ----
  if (ran.length >= 2) {
    const [a, ...rest] = ran;
    const pa = probs.get(a!.name)!;
    for (const b of rest) {
      const pb = probs.get(b.name)!;
      let maxAbs = 0;
      let agree = 0;
      const n = pa.shape[0]!;
      for (let i = 0; i < pa.data.length; i++) maxAbs = Math.max(maxAbs, Math.abs(pa.data[i]! - pb.data[i]!));
      for (let i = 0; i < n; i++) if (argmaxRow(pa.data, i * 10, 10) === argmaxRow(pb.data, i * 10, 10)) agree++;
      claim(
        `agreement:${a!.name}-${b.name}`,
        maxAbs <= AGREEMENT_MAX_ABS && agree / n >= AGREEMENT_MIN_ARGMAX,
        `max |Δp| ${sci(maxAbs)} ≤ ${sci(AGREEMENT_MAX_ABS)}; same predicted class for ${agree}/${n} (≥ ${AGREEMENT_MIN_ARGMAX * 100}%)`,
        { maxAbsDiff: maxAbs, argmaxAgreement: agree / n },
      );
    }
  } else claim('agreement', undefined, `needs two implementations that ran, ${ran.length} did`);

  const p = data.provenance;
  return {
    kind: 'mnist-spec/check',
    schemaVersion: 1,
    model: { file: opts.model, bytes: bytes.length, sha256: digest, format: model.format, architecture: model.architecture, ...(model.kerasVersion ? { kerasVersion: model.kerasVersion } : {}), inputShape: resolved.inputShape, outputShape: resolved.outputShape, params },
    ...(recipe ? { recipe: { id: recipe.id, title: recipe.title, ...(recipe.printed ? { printed: recipe.printed } : {}) } } : {}),
    ...(known ? { known: { by: known.by, printed: known.printed } } : {}),
    data: { source: p.source, location: p.location, canonical: p.canonical, ...(p.split ? { split: p.split } : {}), testSamples: p.counts.test, note: dataNote(data) },
    loss,
    implementations: runs,
    claims,
    ok: claims.every((c) => c.status !== 'fail'),
  };
}

function getRecipeArg(id: string): Recipe {
  try {
    return getRecipe(id);
  } catch (e) {
    if (e instanceof ArgumentError) throw new ArgumentError('--recipe', e.detail);
    throw e;
  }
}
