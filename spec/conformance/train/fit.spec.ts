import { expect } from 'vitest';
import type { Architecture } from '../../../src/arch/types.js';
import type { Implementation, Model } from '../../../src/impl/interface.js';
import { sliceRows, type F32Tensor } from '../../../src/tensor.js';
import type { FitConfig, History } from '../../../src/train/config.js';
import { evaluateProbabilities } from '../../../src/train/metrics.js';
import { Rng } from '../../../src/util/rng.js';
import { contract, keras, seed } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';

const spec = conformanceSpecs(import.meta.url);

/**
 * Keras's fit loop seen through History, on small synthetic data (a few hundred samples of 20 features,
 * nets of a few hundred weights) so the whole file trains in seconds.
 */
const FEATURES = 20;
const NET: Architecture = {
  kind: 'sequential',
  inputShape: [FEATURES],
  layers: [
    { type: 'Dense', units: 32, activation: 'relu' },
    { type: 'Dropout', rate: 0.3 },
    { type: 'Dense', units: 10, activation: 'softmax' },
  ],
};
const LINEAR: Architecture = { kind: 'sequential', inputShape: [FEATURES], layers: [{ type: 'Dense', units: 10, activation: 'softmax' }] };

/** n samples: uniform noise in [0, 1)^20 plus 1 on the feature of a random class 0–9, so a linear softmax can learn it. */
function dataset(n: number, seedValue: number): { x: F32Tensor; y: F32Tensor } {
  const rng = new Rng(seedValue);
  const x = Float32Array.from({ length: n * FEATURES }, () => rng.float());
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) {
    const label = rng.int(0, 9);
    x[i * FEATURES + label] += 1;
    y[i * 10 + label] = 1;
  }
  return { x: { shape: [n, FEATURES], data: x }, y: { shape: [n, 10], data: y } };
}

const ADAM: FitConfig = { optimizer: { type: 'adam', lr: 0.01 }, loss: 'categorical_crossentropy', batchSize: 32, epochs: 2, seed: 1 };
const needsAdam = { train: { optimizer: 'adam', loss: 'categorical_crossentropy' }, layers: ['Dense', 'Dropout'] } as const;

async function fitOnce(impl: Implementation, arch: Architecture, config: FitConfig, data = dataset(300, 1), buildSeed = 1) {
  const model = await impl.build(arch, { seed: buildSeed });
  try {
    const history = await model.fit!(data.x, data.y, config);
    const weights = (await model.getWeights()).map((w) => w.tensor.data);
    return { history, weights };
  } finally {
    model.dispose();
  }
}

const metricsOf = (h: History) => h.epochs.map((e) => [e.loss, e.acc, e.valLoss, e.valAcc]);
const sameBits = (a: Float32Array[], b: Float32Array[]) => a.every((w, i) => w.length === b[i]!.length && w.every((v, j) => Object.is(v, b[i]![j])));
spec(
  {
    name: 'history',
    params: { 'validation-split': 0.1 },
    judges: ['method:fit', 'fit:history', 'fit:validation-split', 'fit:callbacks'],
    claim: seed('002', 'Train on 54000 samples, validate on 6000 samples'),
    needs: needsAdam,
  },
  async (ctx) => {
    const { impl } = ctx;
    const model = await impl.build(NET, { seed: 1 });
    try {
      const { x, y } = dataset(1000, 2);
      const batchEnds: { epoch: number; seen: number; total: number }[] = [];
      const epochEnds: number[] = [];
      const started = performance.now();
      const history = await model.fit!(
        x,
        y,
        { ...ADAM, batchSize: 128, validationSplit: 0.1 },
        { onBatchEnd: ({ epoch, seen, total }) => batchEnds.push({ epoch, seen, total }), onEpochEnd: (log) => epochEnds.push(log.epoch) },
      );
      // Not a speed bound: the epochs' wall times are parts of the fit's own, whatever the machine.
      const fitSeconds = (performance.now() - started) / 1000;
      ctx.record({ trainSamples: history.trainSamples, valSamples: history.valSamples }, '900 / 100');
      expect([history.trainSamples, history.valSamples]).toEqual([900, 100]);
      expect(history.epochs.map((e) => e.epoch)).toEqual([0, 1]);
      expect(epochEnds).toEqual([0, 1]);
      // make_batches(900, 128): seven of 128 and one of 4, each epoch.
      expect(batchEnds.filter((b) => b.epoch === 0).map((b) => b.seen)).toEqual([128, 256, 384, 512, 640, 768, 896, 900]);
      expect(batchEnds.every((b) => b.total === 900)).toBe(true);
      for (const e of history.epochs) {
        for (const v of [e.loss, e.acc, e.valLoss!, e.valAcc!]) expect(Number.isFinite(v)).toBe(true);
        expect(e.acc >= 0 && e.acc <= 1 && e.valAcc! >= 0 && e.valAcc! <= 1).toBe(true);
        expect(e.seconds).toBeGreaterThan(0);
      }
      expect(
        history.epochs.reduce((a, e) => a + e.seconds, 0),
        `epoch seconds within the fit's ${fitSeconds} s`,
      ).toBeLessThanOrEqual(fitSeconds);
    } finally {
      model.dispose();
    }
  },
);

spec(
  {
    name: 'validation-split:last-rows',
    judges: ['fit:validation-split'],
    claim: keras(
      'keras/engine/training.py Model.fit (validation_split)',
      'The validation data is selected from the last samples in the `x` and `y` data provided, before shuffling.',
    ),
    needs: needsAdam,
  },
  async (ctx) => {
    const { impl } = ctx;
    const model = await impl.build(NET, { seed: 1 });
    try {
      const { x, y } = dataset(400, 3);
      const history = await model.fit!(x, y, { ...ADAM, validationSplit: 0.25 });
      // Validation ran after the last update, so the final weights on the last 100 rows reproduce it.
      const probs = await model.predict(sliceRows(x, 300, 400), { batchSize: ADAM.batchSize });
      const e = evaluateProbabilities(probs, sliceRows(y, 300, 400), 'categorical_crossentropy');
      const last = history.epochs[history.epochs.length - 1]!;
      ctx.record({ history: [last.valLoss, last.valAcc], lastRows: [e.loss, e.accuracy] }, 'equal within 1e-9');
      expect(history.valSamples).toBe(100);
      expect(Math.abs(last.valLoss! - e.loss)).toBeLessThanOrEqual(1e-9);
      expect(last.valAcc).toBe(e.accuracy);
    } finally {
      model.dispose();
    }
  },
);

spec(
  {
    name: 'validation-data',
    judges: ['fit:validation-data'],
    claim: seed('001', 'Train on 60000 samples, validate on 10000 samples'),
    needs: needsAdam,
  },
  async ({ impl }) => {
    const train = dataset(200, 4);
    const val = dataset(50, 5);
    const { history } = await fitOnce(impl, NET, { ...ADAM, epochs: 1, validationData: val }, train);
    expect([history.trainSamples, history.valSamples]).toEqual([200, 50]);
    expect(history.epochs[0]!.valLoss).toBeGreaterThan(0);
    const none = await fitOnce(impl, NET, { ...ADAM, epochs: 1 }, train);
    expect(none.history.valSamples).toBe(0);
    expect(none.history.epochs[0]!.valLoss).toBeUndefined();
  },
);

spec(
  {
    name: 'learns',
    judges: ['method:fit', 'weights:after-training'],
    claim: keras('keras/engine/training.py Model.fit', 'Trains the model for a given number of epochs (iterations on a dataset).'),
    needs: { train: { optimizer: 'adam', loss: 'categorical_crossentropy' }, layers: ['Dense'] },
    stochastic: {
      why:
        'a linear softmax on a linearly separable 10-class problem, Adam(0.01), 30 epochs of 300 samples: over seeds 1–5 ' +
        '(data, build and fit) the last epoch loss was 0.27–0.29 of the first and accuracy 0.97–0.99; held to < 1/2 and > 0.8',
    },
  },
  async (ctx) => {
    const { impl } = ctx;
    const { history } = await fitOnce(impl, LINEAR, { ...ADAM, epochs: 30 });
    const losses = history.epochs.map((e) => e.loss);
    const last = history.epochs[history.epochs.length - 1]!;
    ctx.record({ first: losses[0], last: last.loss, acc: last.acc }, 'last loss < first / 2, acc > 0.8');
    expect(last.loss).toBeLessThan(losses[0]! / 2);
    expect(last.acc).toBeGreaterThan(0.8);
  },
);

spec(
  {
    name: 'epoch-loss:batch-size-weighted',
    judges: ['fit:history', 'fit:batches', 'fit:last-partial-batch'],
    claim: keras('keras/callbacks.py BaseLogger.on_batch_end', 'self.totals[k] += v * batch_size'),
    needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Dense'] },
  },
  async (ctx) => {
    const { impl } = ctx;
    // lr = 0 and no dropout: every batch sees the same model as predict, so the size-weighted mean of the
    // batch losses is the loss over all samples; a plain mean of 32, 32, 32, 4-sample batches is not.
    const model = await impl.build(LINEAR, { seed: 1 });
    try {
      const { x, y } = dataset(100, 9);
      const batchLosses: number[] = [];
      const history = await model.fit!(
        x,
        y,
        { optimizer: { type: 'sgd', lr: 0 }, loss: 'categorical_crossentropy', batchSize: 32, epochs: 1, seed: 1, shuffle: false },
        { onBatchEnd: ({ loss }) => batchLosses.push(loss) },
      );
      const all = evaluateProbabilities(await model.predict(x), y, 'categorical_crossentropy');
      const epoch = history.epochs[0]!;
      ctx.record({ epochLoss: epoch.loss, overAllSamples: all.loss }, 'relative difference ≤ 1e-6 (float32 batch means)');
      expect(Math.abs(epoch.loss - all.loss) / all.loss).toBeLessThanOrEqual(1e-6);
      expect(epoch.acc).toBeCloseTo(all.accuracy, 12);
      // Progress reports the running weighted mean; after the last batch it is the epoch's.
      expect(batchLosses[batchLosses.length - 1]).toBe(epoch.loss);
    } finally {
      model.dispose();
    }
  },
);

spec(
  {
    name: 'deterministic:dropout',
    judges: ['fit:seed', 'layer:Dropout:training'],
    claim: contract('src/train/config.ts FitConfig.seed', 'Seeds shuffling and dropout (and nothing else: initial weights are fixed at build time).'),
    needs: needsAdam,
  },
  async ({ impl }) => {
    const a = await fitOnce(impl, NET, ADAM);
    const b = await fitOnce(impl, NET, ADAM);
    expect(metricsOf(b.history)).toEqual(metricsOf(a.history));
    expect(sameBits(a.weights, b.weights)).toBe(true);
    // Another seed changes the run, and so does dropout alone: without shuffling, only the masks differ.
    const c = await fitOnce(impl, NET, { ...ADAM, seed: 2 });
    expect(sameBits(a.weights, c.weights)).toBe(false);
    const d1 = await fitOnce(impl, NET, { ...ADAM, shuffle: false, seed: 1 });
    const d2 = await fitOnce(impl, NET, { ...ADAM, shuffle: false, seed: 2 });
    expect(sameBits(d1.weights, d2.weights)).toBe(false);
  },
);

spec(
  {
    params: { epochs: 0 },
    judges: ['fit:epochs-zero'],
    claim: keras('keras/engine/training_arrays.py fit_loop', 'for epoch in range(initial_epoch, epochs):'),
    needs: needsAdam,
  },
  async ({ impl }) => {
    const model = await impl.build(NET, { seed: 1 });
    try {
      const before = (await model.getWeights()).map((w) => w.tensor.data);
      const { x, y } = dataset(64, 6);
      const history = await model.fit!(x, y, { ...ADAM, epochs: 0 });
      expect(history).toEqual({ trainSamples: 64, valSamples: 0, epochs: [] });
      expect(
        sameBits(
          (await model.getWeights()).map((w) => w.tensor.data),
          before,
        ),
      ).toBe(true);
    } finally {
      model.dispose();
    }
  },
);

spec(
  {
    name: 'frees-its-tensors',
    judges: ['method:dispose'],
    claim: contract(
      'src/impl/tfjs/index.ts info()',
      'liveTensors: what the runtime holds right now, so a spec can see that dispose and fit free their tensors.',
    ),
    needs: needsAdam,
  },
  async (ctx) => {
    const { impl } = ctx;
    const live = async () => (await impl.info()).details?.liveTensors;
    const before = await live();
    if (typeof before !== 'number') ctx.skip(`implementation "${impl.name}" reports no details.liveTensors in info()`);
    const model = await impl.build(NET, { seed: 1 });
    const built = (await live()) as number;
    const { x, y } = dataset(200, 7);
    await model.fit!(x, y, { ...ADAM, validationSplit: 0.2 });
    const afterFit = (await live()) as number;
    await model.predict(x);
    const afterPredict = (await live()) as number;
    model.dispose();
    const after = (await live()) as number;
    ctx.record({ before, built, afterFit, afterPredict, after }, 'fit and predict leave nothing behind; dispose frees the model');
    expect(afterFit).toBe(built);
    expect(afterPredict).toBe(built);
    expect(after).toBe(before);
  },
);

/**
 * Keras's accuracy is categorical_accuracy: argmax of the probabilities equals argmax of the targets, and TensorFlow's
 * argmax takes the first of tied maxima. Three samples through Dense(3, softmax) with lr = 0, every one right by that
 * rule: one with all three probabilities tied (z = 0: counted right for class 0, the first), one right by a small
 * margin (max p = 0.51) followed by one whose first probability is larger (0.91), so an argmax that reads one value past
 * its row sees the next sample's. History's acc and val_acc (the same rows as validation data) are 1.
 */
spec(
  {
    name: 'accuracy:argmax',
    judges: ['fit:history', 'fit:validation-data'],
    claim: keras('keras/metrics.py categorical_accuracy', 'K.equal(K.argmax(y_true, axis=-1), K.argmax(y_pred, axis=-1))'),
    needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Dense'] },
  },
  async (ctx) => {
    const { impl } = ctx;
    const arch: Architecture = { kind: 'sequential', inputShape: [2], layers: [{ type: 'Dense', units: 3, activation: 'softmax' }] };
    const model = await impl.build(arch, { seed: 1 });
    try {
      const f32 = (v: number[], shape: number[]): F32Tensor => ({ shape, data: Float32Array.from(v) });
      await model.setWeights([f32([0, 1, 0.5, 3, 0, 0], [2, 3]), f32([0, 0, 0], [3])]);
      const x = f32([0, 0, 1, 0, 0, 1], [3, 2]);
      const y = f32([1, 0, 0, 0, 1, 0, 1, 0, 0], [3, 3]);
      const history = await model.fit!(x, y, {
        optimizer: { type: 'sgd', lr: 0 },
        loss: 'categorical_crossentropy',
        batchSize: 3,
        epochs: 1,
        seed: 0,
        shuffle: false,
        validationData: { x, y },
      });
      const epoch = history.epochs[0]!;
      ctx.record({ acc: epoch.acc, valAcc: epoch.valAcc }, 'acc 1, val_acc 1');
      expect(epoch.acc, 'training accuracy').toBe(1);
      expect(epoch.valAcc, 'validation accuracy').toBe(1);
    } finally {
      model.dispose();
    }
  },
);

spec(
  {
    name: 'callbacks:either-alone',
    judges: ['fit:callbacks'],
    claim: contract('src/train/config.ts FitCallbacks', 'Called after each batch (for progress bars) and each epoch. Either may be given alone.'),
    needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Dense'] },
  },
  async ({ impl }) => {
    const config: FitConfig = { optimizer: { type: 'sgd', lr: 0.1 }, loss: 'categorical_crossentropy', batchSize: 32, epochs: 2, seed: 1 };
    const model = await impl.build(LINEAR, { seed: 1 });
    try {
      const { x, y } = dataset(100, 10);
      const epochEnds: number[] = [];
      const onlyEpochs = await model.fit!(x, y, config, { onEpochEnd: (log) => epochEnds.push(log.epoch) });
      expect(epochEnds, 'onEpochEnd without onBatchEnd').toEqual([0, 1]);
      expect(onlyEpochs.epochs.map((e) => e.epoch)).toEqual([0, 1]);
      const seen: number[] = [];
      await model.fit!(x, y, config, { onBatchEnd: (b) => seen.push(b.seen) });
      // make_batches(100, 32): 32, 32, 32 and 4, each epoch.
      expect(seen, 'onBatchEnd without onEpochEnd').toEqual([32, 64, 96, 100, 32, 64, 96, 100]);
    } finally {
      model.dispose();
    }
  },
);

/**
 * A validation split that holds out no row: Keras takes split_at = int(n · (1 − validation_split)) in float64, so a
 * fraction below 2⁻⁵³ (here 1e-17: 1 − 1e-17 is 1) leaves every row to training. Keras still validates, on 0 samples:
 * test_loop sums over no batch and returns an empty list, so the epoch's logs get no val_loss or val_acc (not NaN).
 */
spec(
  {
    name: 'validation-split:none-held-out',
    judges: ['fit:validation-split', 'fit:history'],
    claim: keras(
      'keras/engine/training_arrays.py fit_loop (0 validation samples: test_loop returns [])',
      "val_outs = to_list(val_outs) # Same labels assumed. for l, o in zip(out_labels, val_outs): epoch_logs['val_' + l] = o",
    ),
    needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Dense'] },
  },
  async (ctx) => {
    const { impl } = ctx;
    const fraction = 1e-17;
    expect(Math.trunc(100 * (1 - fraction)), 'split_at').toBe(100);
    const { x, y } = dataset(100, 11);
    const { history } = await fitOnce(
      impl,
      LINEAR,
      { optimizer: { type: 'sgd', lr: 0.1 }, loss: 'categorical_crossentropy', batchSize: 32, epochs: 2, seed: 1, validationSplit: fraction },
      { x, y },
    );
    ctx.record({ trainSamples: history.trainSamples, valSamples: history.valSamples, epochs: metricsOf(history) }, '100 / 0, no val_loss or val_acc');
    expect([history.trainSamples, history.valSamples]).toEqual([100, 0]);
    expect(history.epochs).toHaveLength(2);
    for (const e of history.epochs) {
      expect(Number.isFinite(e.loss) && Number.isFinite(e.acc)).toBe(true);
      expect(e.valLoss, `epoch ${e.epoch} val_loss`).toBeUndefined();
      expect(e.valAcc, `epoch ${e.epoch} val_acc`).toBeUndefined();
    }
  },
);

/** The rejection of `fit`, as a runtime outside this package can produce it: its `name`, its `argument`, nothing trained. */
async function fitRejection(model: Model, x: F32Tensor, y: F32Tensor, config: FitConfig) {
  try {
    await model.fit!(x, y, config);
  } catch (e) {
    const { name, argument, message } = e as { name?: unknown; argument?: unknown; message?: unknown };
    return { name, argument, message };
  }
  return undefined;
}

spec(
  {
    name: 'rejects-bad-arguments',
    judges: ['errors:fit'],
    claim: contract(
      'src/impl/interface.ts Model.fit',
      "x, y or validationData that do not fit the model reject with an Error named 'ArgumentError' whose `argument` names it (`x`, `y`, `validationData.x`, `validationData.y`), before any training.",
    ),
    needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Dense'] },
  },
  async (ctx) => {
    const { impl } = ctx;
    const config: FitConfig = { optimizer: { type: 'sgd', lr: 0.1 }, loss: 'categorical_crossentropy', batchSize: 4, epochs: 1, seed: 1 };
    const { x, y } = dataset(8, 12);
    // 19 features for a model of 20, 7 targets for 8 samples, targets of 9 classes for a model of 10.
    const narrow = sliceFeatures(x, FEATURES - 1);
    const short = sliceRows(y, 0, 7);
    const nineClasses = sliceFeatures(y, 9);
    const cases: [argument: string, x: F32Tensor, y: F32Tensor, config: FitConfig][] = [
      ['x', narrow, y, config],
      ['y', x, short, config],
      ['y', x, nineClasses, config],
      ['validationData.x', x, y, { ...config, validationData: { x: narrow, y } }],
      ['validationData.y', x, y, { ...config, validationData: { x, y: short } }],
      ['validationData.y', x, y, { ...config, validationData: { x, y: nineClasses } }],
    ];
    const model = await impl.build(LINEAR, { seed: 1 });
    try {
      const before = (await model.getWeights()).map((w) => w.tensor.data);
      const seen: unknown[] = [];
      for (const [argument, cx, cy, cc] of cases) {
        const e = await fitRejection(model, cx, cy, cc);
        seen.push(e);
        expect(e, `fit with a bad ${argument}`).toBeDefined();
        expect(e!.name, `the error for a bad ${argument}: ${String(e!.message)}`).toBe('ArgumentError');
        expect(e!.argument, `the argument named for a bad ${argument}: ${String(e!.message)}`).toBe(argument);
      }
      ctx.record(seen, "name 'ArgumentError', argument x, y, validationData.x, validationData.y");
      const after = (await model.getWeights()).map((w) => w.tensor.data);
      expect(sameBits(after, before), 'weights after the rejected fits').toBe(true);
    } finally {
      model.dispose();
    }
  },
);

/** The first `features` columns of every row of a [n, F] tensor: samples or targets that no longer fit the model. */
function sliceFeatures(t: F32Tensor, features: number): F32Tensor {
  const [n, f] = t.shape as [number, number];
  const data = new Float32Array(n * features);
  for (let i = 0; i < n; i++) data.set(t.data.subarray(i * f, i * f + features), i * features);
  return { shape: [n, features], data };
}
