import type { EpochLog, F32Tensor, FitCallbacks, FitConfig, History } from 'mnist-spec';
import { argumentError } from './errors.js';
import { correct, type Loss } from './losses.js';
import type { Optimizer } from './optimizers.js';
import { Random } from './random.js';

/**
 * Keras 2.2's `model.fit(x, y, ...)` (keras/engine/training.py and training_arrays.py fit_loop) around a model
 * that can take one training step and predict:
 * - validation: `validationData` when given (Keras looks at it first); else the last `validationSplit` fraction
 *   of the rows, cut before any shuffling (split_at = int(n · (1 − validation_split)));
 * - every epoch a fresh random order of the training rows (shuffle=True is fit's default), cut into batches of
 *   `batchSize` with a smaller last batch when batchSize does not divide n (make_batches);
 * - the epoch's loss and accuracy: the batch results weighted by batch size (BaseLogger), each batch's computed
 *   in training mode before its update;
 * - validation loss and accuracy after the epoch's last update, in inference mode (test_loop);
 * - History: one entry per epoch, with the epoch's wall time.
 */
export interface Trainable {
  /** One training step on a batch: forward in training mode, loss, backward, update. Batch means of loss and accuracy. */
  trainStep(x: Float32Array, y: Float32Array, n: number, step: StepContext): { loss: number; acc: number };
  /** Inference-mode probabilities of n samples. */
  predictRows(x: Float32Array, n: number): Float32Array;
  readonly inputSize: number;
  readonly classes: number;
}

export interface StepContext {
  optimizer: Optimizer;
  loss: Loss;
  /** The fit's dropout stream. */
  random: Random;
}

/** One training step's batch means and its batch size. */
export interface BatchResult {
  loss: number;
  acc: number;
  n: number;
}

interface Rows {
  x: Float32Array;
  y: Float32Array;
  n: number;
}

/** The two random streams a fit seed names: one shuffles, one draws dropout masks. */
const DROPOUT_STREAM = 0x6a09e667;

export class KerasFitLoop {
  constructor(
    readonly model: Trainable,
    readonly config: FitConfig,
    readonly step: Omit<StepContext, 'random'>,
  ) {}

  /** Training rows and validation rows (Keras: validation_data first, else the last validation_split of the rows). */
  splitValidation(all: Rows): { train: Rows; val: Rows | undefined } {
    const { validationData, validationSplit } = this.config;
    if (validationData) return { train: all, val: this.rowsOf(validationData.x, validationData.y, 'validationData.') };
    if (!validationSplit) return { train: all, val: undefined };
    const at = Math.trunc(all.n * (1 - validationSplit));
    const cut = (from: number, to: number): Rows => ({
      x: all.x.subarray(from * this.model.inputSize, to * this.model.inputSize),
      y: all.y.subarray(from * this.model.classes, to * this.model.classes),
      n: to - from,
    });
    return { train: cut(0, at), val: cut(at, all.n) };
  }

  /** The order in which an epoch visits the training rows: a fresh permutation each epoch, or 0..n-1 with shuffle off. */
  epochOrder(n: number, _epoch: number, random: Random): Uint32Array {
    if (this.config.shuffle === false) return Uint32Array.from({ length: n }, (_, i) => i);
    return random.permutation(n);
  }

  /** Keras make_batches: [start, end) ranges of batchSize, the last one shorter when it does not divide n. */
  batchRanges(n: number): [number, number][] {
    const ranges: [number, number][] = [];
    for (let start = 0; start < n; start += this.config.batchSize) ranges.push([start, Math.min(n, start + this.config.batchSize)]);
    return ranges;
  }

  /** Copy the rows `order[start..end)` of x and y into one batch. */
  gather(rows: Rows, order: Uint32Array, start: number, end: number): Rows {
    const { inputSize, classes } = this.model;
    const n = end - start;
    const x = new Float32Array(n * inputSize);
    const y = new Float32Array(n * classes);
    for (let i = 0; i < n; i++) {
      const r = order[start + i]!;
      x.set(rows.x.subarray(r * inputSize, (r + 1) * inputSize), i * inputSize);
      y.set(rows.y.subarray(r * classes, (r + 1) * classes), i * classes);
    }
    return { x, y, n };
  }

  /** BaseLogger: the mean of the batch results so far, each weighted by its batch size (what Keras logs and prints). */
  runningMean(batches: readonly BatchResult[]): { loss: number; acc: number } {
    let seen = 0;
    let loss = 0;
    let acc = 0;
    for (const b of batches) {
      seen += b.n;
      loss += b.loss * b.n;
      acc += b.acc * b.n;
    }
    return { loss: loss / seen, acc: acc / seen };
  }

  /** Inference-mode loss and accuracy over the validation rows, predicted in batches of batchSize (test_loop). */
  evaluate(val: Rows): { loss: number; acc: number } {
    const { inputSize, classes } = this.model;
    let loss = 0;
    let hits = 0;
    for (const [start, end] of this.batchRanges(val.n)) {
      const p = this.model.predictRows(val.x.subarray(start * inputSize, end * inputSize), end - start);
      const y = val.y.subarray(start * classes, end * classes);
      for (let i = 0; i < end - start; i++) {
        loss += this.step.loss.value(p, y, i * classes, classes);
        hits += correct(p, y, i * classes, classes);
      }
    }
    return { loss: loss / val.n, acc: hits / val.n };
  }

  // Stryker disable all: argument checks and their messages, not arithmetic (npm run mutation mutates the numerical core)
  rowsOf(x: F32Tensor, y: F32Tensor, what = ''): Rows {
    const { inputSize, classes } = this.model;
    const n = x.shape[0];
    if (n === undefined || x.data.length !== n * inputSize) {
      throw argumentError(`${what}x`, `shape [${x.shape.join(', ')}] does not hold samples of ${inputSize} values`);
    }
    if (y.shape.length !== 2 || y.shape[0] !== n || y.shape[1] !== classes || y.data.length !== n * classes) {
      throw argumentError(`${what}y`, `shape [${y.shape.join(', ')}], expected [${n}, ${classes}]`);
    }
    return { x: x.data, y: y.data, n };
  }

  checkConfig(): void {
    const { batchSize, epochs, validationSplit } = this.config;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw argumentError('batchSize', `must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(epochs) || epochs < 0) throw argumentError('epochs', `must be a non-negative integer, got ${epochs}`);
    if (validationSplit !== undefined && !(validationSplit >= 0 && validationSplit < 1)) {
      throw argumentError('validationSplit', `must be in [0, 1), got ${validationSplit}`);
    }
  }
  // Stryker restore all

  async run(x: F32Tensor, y: F32Tensor, callbacks?: FitCallbacks): Promise<History> {
    this.checkConfig();
    const { train, val } = this.splitValidation(this.rowsOf(x, y));
    const history: History = { trainSamples: train.n, valSamples: val?.n ?? 0, epochs: [] };
    const shuffling = new Random(this.config.seed);
    const step: StepContext = { ...this.step, random: new Random(this.config.seed ^ DROPOUT_STREAM) };
    for (let epoch = 0; epoch < this.config.epochs; epoch++) {
      const started = performance.now();
      const order = this.epochOrder(train.n, epoch, shuffling);
      const results: BatchResult[] = [];
      let seen = 0;
      for (const [start, end] of this.batchRanges(train.n)) {
        const batch = this.gather(train, order, start, end);
        results.push({ ...this.model.trainStep(batch.x, batch.y, batch.n, step), n: batch.n });
        seen += batch.n;
        callbacks?.onBatchEnd?.({ epoch, seen, total: train.n, ...this.runningMean(results) });
        // Let timers and progress messages through between steps: a long fit must not block the event loop.
        // Stryker disable next-line all: yielding to the event loop changes no result
        await new Promise((resolve) => setImmediate(resolve));
      }
      const log: EpochLog = { epoch, ...this.runningMean(results), seconds: 0 };
      if (val && val.n > 0) {
        const v = this.evaluate(val);
        log.valLoss = v.loss;
        log.valAcc = v.acc;
      }
      log.seconds = (performance.now() - started) / 1000;
      history.epochs.push(log);
      callbacks?.onEpochEnd?.(log);
    }
    return history;
  }
}
