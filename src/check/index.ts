import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { modelWeightSpecs, paramCountOf, resolveArchitecture, type ParamCount } from '../arch/resolve.js';
import type { Architecture } from '../arch/types.js';
import { loadData } from '../data/load.js';
import type { MnistData } from '../data/types.js';
import { ArgumentError } from '../errors.js';
import { loadImplementation, withRole } from '../impl/registry.js';
import { readKerasH5, kerasWeightsFor } from '../keras/saving.js';
import { knownKerasFile, type KnownKerasFile } from '../keras/known.js';
import { importOnnx } from '../onnx/import.js';
import { describeOutcome, findBound } from '../recipes/bounds.js';
import { getRecipe, type InputPrep, type Recipe } from '../recipes/index.js';
import { prepareImages } from '../recipes/inputs.js';
import { toCategorical } from '../preprocess/index.js';
import { shapeString, type F32Tensor } from '../tensor.js';
import { argmaxRow, evaluateProbabilities } from '../train/metrics.js';
import type { LossName } from '../train/config.js';
import { checkInputFile, sha256 } from '../util/fs.js';
import { claimProblem, contract, keras, kerasProvenance, seed, type Claim } from '../harness/claims.js';
import { PROBABILITY_SUM_TOLERANCE, probabilityRowError } from '../harness/guard.js';
import { specId, type Params } from '../harness/ids.js';

/**
 * What each claim of `check` holds a model to, in the same terms as the specs: a quote from the notebooks, Keras
 * or a contract (src/harness/claims.ts), checked against its source when the source is at hand.
 */
const CLAIMS = {
  input: keras('keras/datasets/mnist.py (tf.keras)', '**x_train, x_test**: uint8 arrays of grayscale image data'),
  output: seed('001', "model.add(Dense(num_classes, activation='softmax'))"),
  params: seed('001', 'Total params: 669,706'),
  probabilities: contract('src/impl/interface.ts Model.predict', 'x [n, ...inputShape] → probabilities [n, classes]'),
  runs: contract('src/impl/interface.ts', 'predicts probabilities'),
  anyClassifier: contract('src/check/index.ts GENERIC_MIN_ACCURACY', 'Any working MNIST classifier clears 0.9'),
  agreement: contract('src/check/index.ts AGREEMENT_MAX_ABS', 'Two float32 runtimes running the same weights differ by rounding only'),
} as const;

/** Keras's own evaluation of a known file: the line of its provenance note. */
const knownClaim = (k: KnownKerasFile): Claim => kerasProvenance(k.provenance.file, k.provenance.quote);

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
/** The implementations a model is run with by default: the registry's `check` role. */
export const DEFAULT_IMPLEMENTATIONS: readonly string[] = withRole('check');
/** Any working MNIST classifier clears 0.9 (logistic regression reaches 0.92); chance is 0.1. */
export const GENERIC_MIN_ACCURACY = 0.9;
/**
 * Two float32 runtimes running the same weights differ by rounding only: ~1e-7 per probability (measured on
 * the real Keras MLP: tfjs vs onnxruntime 4.1e-6 at most). 1e-4 is far above that and far below any real bug.
 */
export const AGREEMENT_MAX_ABS = 1e-4;
/** Rounding can flip an argmax only where two classes tie to ~1e-7: at most 1 sample in 1,000. */
export const AGREEMENT_MIN_ARGMAX = 0.999;
/** Keras's printed loss is a float32 mean over batches; ours a float64 mean of float32 probabilities (observed |Δ| ≤ 1.4e-8). */
export const KERAS_LOSS_TOLERANCE = 1e-5;
/**
 * The largest notebook model (004's wide MLP) is a few MB of float32 weights, and a Keras file with its
 * optimizer state about three times that; a file over 256 MiB is not one of them and is not read.
 */
export const MAX_MODEL_BYTES = 256 * 2 ** 20;
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
/** One claim's verdict: an id from the spec id grammar (`check:accuracy:impl=tfjs`) and the claim it holds the model to. */
export interface ClaimVerdict {
  id: string;
  claim: Claim;
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
      throw new ArgumentError(
        '--recipe',
        `${file} holds weights only (model.save_weights, no model_config): name the recipe whose architecture they belong to, e.g. --recipe 001`,
      );
    }
    return {
      arch,
      weights: kerasWeightsFor(h5, arch),
      format: 'keras-hdf5',
      architecture: h5.arch ? 'file' : 'recipe',
      ...(h5.kerasVersion ? { kerasVersion: h5.kerasVersion } : {}),
    };
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
  await checkInputFile(opts.model, '<model>', { maxBytes: MAX_MODEL_BYTES, what: 'a model of these notebooks' });
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
  const claim = (name: string, params: Params | undefined, source: Claim, pass: boolean | undefined, detail: string, measured?: unknown): void => {
    const problem = claimProblem(source);
    if (problem) throw new Error(`check: ${problem}`); // a claim of ours that is not in its source: a bug here, never the user's
    claims.push({
      id: specId('check', name, params),
      claim: source,
      status: pass === undefined ? 'skip' : pass ? 'pass' : 'fail',
      detail,
      ...(measured !== undefined ? { measured } : {}),
    });
  };
  const accuracyClaim = recipe ? seed(recipe.notebook, recipe.quote) : CLAIMS.anyClassifier;

  // ---- shapes and size ----
  const inKey = resolved.inputShape.join(',');
  const inputPrep = INPUT_SHAPES[inKey];
  claim(
    'input-shape',
    undefined,
    CLAIMS.input,
    inputPrep !== undefined,
    `${shapeString(resolved.inputShape)}; a notebook feeds (784,), (28, 28) or (28, 28, 1)`,
    resolved.inputShape,
  );
  const outputOk = resolved.outputShape.length === 1 && resolved.outputShape[0] === 10;
  claim('output-shape', undefined, CLAIMS.output, outputOk, `${shapeString(resolved.outputShape)}; ten digit classes: (10,)`, resolved.outputShape);
  if (recipe) {
    const expected = paramCountOf(modelWeightSpecs(resolveArchitecture(recipe.arch)));
    claim(
      'param-count',
      { recipe: recipe.id },
      CLAIMS.params,
      params.total === expected.total,
      `${params.total.toLocaleString('en-US')} parameters; recipe ${recipe.id} has ${expected.total.toLocaleString('en-US')}`,
      params,
    );
  } else {
    claim('param-count', undefined, CLAIMS.params, undefined, `${params.total.toLocaleString('en-US')} parameters; no --recipe to compare with`, params);
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
          run.maxSumError = probabilityRowError(p).worst;
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
  for (const r of runs.filter((x) => x.status === 'error')) claim('runs', { impl: r.name }, CLAIMS.runs, false, `${r.name} failed: ${r.reason}`);

  // ---- probabilities ----
  if (ran.length) {
    const ok = ran.every((r) => r.maxSumError! <= PROBABILITY_SUM_TOLERANCE);
    claim(
      'probabilities',
      undefined,
      CLAIMS.probabilities,
      ok,
      `${ran.map((r) => `${r.name}: max |Σp − 1| ${sci(r.maxSumError!)}`).join(', ')}; each row in [0, 1] summing to 1 within ${sci(PROBABILITY_SUM_TOLERANCE)}`,
      Object.fromEntries(ran.map((r) => [r.name, r.maxSumError])),
    );
  } else claim('probabilities', undefined, CLAIMS.probabilities, undefined, noRun);

  // ---- accuracy: a sanity bound; the notebook's and Keras's numbers beside ours ----
  const tier = data.provenance.canonical ? 'full' : 'embedded';
  // Full data: the bound at the notebook's own budget; embedded: the recipe's short-budget bound, the only one there.
  const bound = recipe ? findBound(recipe.id, tier, tier === 'full' ? recipe.training.epochs : undefined) : undefined;
  const minAccuracy = bound?.outcome.kind === 'learns' ? bound.outcome.minAccuracy : GENERIC_MIN_ACCURACY;
  const boundWhy =
    bound?.outcome.kind === 'learns'
      ? `recipe ${recipe!.id}'s ${tier}-data bound (${describeOutcome(bound.outcome)}: ${bound.why})`
      : `any working MNIST classifier (${GENERIC_MIN_ACCURACY})`;
  const beside = recipe?.printed ? `; notebook ${recipe.notebook} printed ${recipe.printed.accuracy}` : '';
  for (const r of ran) {
    claim(
      'accuracy',
      { impl: r.name },
      accuracyClaim,
      r.accuracy! >= minAccuracy,
      `${fmt(r.accuracy!)} (loss ${fmt(r.loss!, 5)}) on ${data.provenance.counts.test} test images; ≥ ${minAccuracy}, ${boundWhy}${beside}`,
      { accuracy: r.accuracy, loss: r.loss },
    );
  }
  if (!ran.length) claim('accuracy', undefined, accuracyClaim, undefined, noRun);

  // ---- this very file's Keras evaluation, when on record (canonical test set only) ----
  if (known) {
    for (const r of ran) {
      if (!data.provenance.canonical) {
        claim(
          'keras-printed',
          { impl: r.name },
          knownClaim(known),
          undefined,
          `Keras printed accuracy ${known.printed.accuracy}, loss ${known.printed.loss} on the canonical test set; this run has ${data.provenance.source} data`,
        );
        continue;
      }
      const dLoss = Math.abs(r.loss! - known.printed.loss);
      claim(
        'keras-printed',
        { impl: r.name },
        knownClaim(known),
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
        'agreement',
        { a: a!.name, b: b.name },
        CLAIMS.agreement,
        maxAbs <= AGREEMENT_MAX_ABS && agree / n >= AGREEMENT_MIN_ARGMAX,
        `max |Δp| ${sci(maxAbs)} ≤ ${sci(AGREEMENT_MAX_ABS)}; same predicted class for ${agree}/${n} (≥ ${AGREEMENT_MIN_ARGMAX * 100}%)`,
        { maxAbsDiff: maxAbs, argmaxAgreement: agree / n },
      );
    }
  } else claim('agreement', undefined, CLAIMS.agreement, undefined, `needs two implementations that ran, ${ran.length} did`);

  const p = data.provenance;
  return {
    kind: 'mnist-spec/check',
    schemaVersion: 1,
    model: {
      file: opts.model,
      bytes: bytes.length,
      sha256: digest,
      format: model.format,
      architecture: model.architecture,
      ...(model.kerasVersion ? { kerasVersion: model.kerasVersion } : {}),
      inputShape: resolved.inputShape,
      outputShape: resolved.outputShape,
      params,
    },
    ...(recipe ? { recipe: { id: recipe.id, title: recipe.title, ...(recipe.printed ? { printed: recipe.printed } : {}) } } : {}),
    ...(known ? { known: { by: known.by, printed: known.printed } } : {}),
    data: {
      source: p.source,
      location: p.location,
      canonical: p.canonical,
      ...(p.split ? { split: p.split } : {}),
      testSamples: p.counts.test,
      note: dataNote(data),
    },
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
