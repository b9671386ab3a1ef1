import { ArgumentError } from '../errors.js';
import { batches, batchRanges, epochIndices, validationSplit } from '../preprocess/index.js';
import { gatherRows, sizeOf, sliceRows, type F32Tensor } from '../tensor.js';
import { Rng } from '../util/rng.js';
import { checkFitConfig, type EpochLog, type FitCallbacks, type FitConfig, type History } from './config.js';
import { evaluateProbabilities } from './metrics.js';

/**
 * Keras 2.2's `fit_loop` (keras/engine/training_arrays.py) without a runtime: the runtime supplies one
 * training step and a predict, this module does everything else Keras does around them, so every
 * implementation that trains through it splits, shuffles, batches and averages identically.
 */

/** What one training step reports: the batch means of loss and accuracy, computed before the update. */
export interface StepResult {
  loss: number;
  acc: number;
}

/** Where a step is in the run, and the run's seeded stream for dropout masks. */
export interface StepContext {
  epoch: number;
  /** Index of the batch within its epoch. */
  batch: number;
  /** Steps taken before this one in this fit (Keras's optimizer `iterations` when the optimizer is fresh). */
  iteration: number;
  /**
   * Draw dropout masks from this, in layer execution order, row-major, one float per unit:
   * keep a unit when its draw is ≥ rate (tf.nn.dropout's floor(keep_prob + u)). One stream per fit,
   * independent of the shuffling stream, so a seed names the masks in every runtime that follows this.
   */
  dropoutRng: Rng;
}

export interface KerasFitOptions {
  x: F32Tensor;
  /** One-hot (or regression) targets, [n, k]. */
  y: F32Tensor;
  config: FitConfig;
  callbacks?: FitCallbacks;
  trainStep(x: F32Tensor, y: F32Tensor, ctx: StepContext): Promise<StepResult>;
  /** Inference-mode probabilities [n, k] for the validation set (called per batch of config.batchSize). */
  predict(x: F32Tensor): Promise<F32Tensor>;
}

/** Salt of the dropout stream derived from config.seed (the shuffling stream is Rng(config.seed) itself). */
const DROPOUT_STREAM = 1;

function samplesOf(x: F32Tensor, y: F32Tensor, what: string): number {
  const n = x.shape[0];
  if (n === undefined) throw new ArgumentError(`${what}x`, 'needs a leading sample axis');
  if (y.shape.length !== 2) throw new ArgumentError(`${what}y`, `must be [samples, classes], got [${y.shape.join(', ')}]`);
  if (y.shape[0] !== n) throw new ArgumentError(`${what}y`, `has ${y.shape[0]} samples but ${what}x has ${n}`);
  if (x.data.length !== sizeOf(x.shape)) throw new ArgumentError(`${what}x`, `data length ${x.data.length} does not match shape [${x.shape.join(', ')}]`);
  if (y.data.length !== sizeOf(y.shape)) throw new ArgumentError(`${what}y`, `data length ${y.data.length} does not match shape [${y.shape.join(', ')}]`);
  return n;
}

/** Keras `test_loop` through predict: probabilities in batches of batchSize, then the suite's loss and accuracy. */
async function validate(opts: KerasFitOptions, val: { x: F32Tensor; y: F32Tensor }): Promise<{ loss: number; acc: number }> {
  const n = val.x.shape[0]!;
  const k = val.y.shape[1]!;
  const probs = new Float32Array(n * k);
  for (const [start, end] of batchRanges(n, opts.config.batchSize)) {
    const p = await opts.predict(sliceRows(val.x, start, end));
    if (p.data.length !== (end - start) * k) {
      throw new RangeError(`predict returned [${p.shape.join(', ')}] for ${end - start} samples of ${k} classes`);
    }
    probs.set(p.data, start * k);
  }
  const e = evaluateProbabilities({ shape: [n, k], data: probs }, val.y, opts.config.loss);
  return { loss: e.loss, acc: e.accuracy };
}

/**
 * Keras 2.2 `model.fit(x, y, ...)`:
 * - validation: `validationData` when given (Keras checks it first), else the last `validationSplit`
 *   fraction of x/y, cut before any shuffling (`split_at = int(n * (1 - f))`);
 * - each epoch a fresh permutation of the training indices from Rng(config.seed) (shuffle defaults on),
 *   cut into make_batches ranges;
 * - epoch loss/acc: the batch-size-weighted mean of the step results (BaseLogger);
 * - validation loss/acc after the epoch's last step (evaluateProbabilities on predict's output);
 * - epoch seconds: wall time of the epoch, validation included, as Keras prints it.
 */
export async function runKerasFit(opts: KerasFitOptions): Promise<History> {
  const { config, callbacks } = opts;
  checkFitConfig(config);
  samplesOf(opts.x, opts.y, '');
  let train = { x: opts.x, y: opts.y };
  let val: { x: F32Tensor; y: F32Tensor } | undefined;
  if (config.validationData) {
    samplesOf(config.validationData.x, config.validationData.y, 'validationData.');
    val = config.validationData;
  } else if (config.validationSplit) {
    const split = validationSplit(opts.x, opts.y, config.validationSplit);
    train = split.train;
    val = split.val;
  }
  const n = train.x.shape[0]!;
  const valSamples = val ? val.x.shape[0]! : 0;
  const history: History = { trainSamples: n, valSamples, epochs: [] };

  const shuffleRng = new Rng(config.seed);
  const dropoutRng = shuffleRng.fork(DROPOUT_STREAM);
  let iteration = 0;
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const started = performance.now();
    const order = epochIndices(n, config.shuffle === false ? undefined : shuffleRng);
    let seen = 0;
    let lossSum = 0;
    let accSum = 0;
    let batch = 0;
    for (const idx of batches(order, config.batchSize)) {
      const step = await opts.trainStep(gatherRows(train.x, idx), gatherRows(train.y, idx), { epoch, batch, iteration, dropoutRng });
      iteration++;
      batch++;
      seen += idx.length;
      lossSum += step.loss * idx.length;
      accSum += step.acc * idx.length;
      callbacks?.onBatchEnd?.({ epoch, seen, total: n, loss: lossSum / seen, acc: accSum / seen });
    }
    // Keras divides by `seen`; with no training samples its logs stay empty, here NaN says the same.
    const log: EpochLog = { epoch, loss: lossSum / seen, acc: accSum / seen, seconds: 0 };
    if (val && valSamples > 0) {
      const v = await validate(opts, val);
      log.valLoss = v.loss;
      log.valAcc = v.acc;
    }
    log.seconds = (performance.now() - started) / 1000;
    history.epochs.push(log);
    callbacks?.onEpochEnd?.(log);
  }
  return history;
}
