import { expect } from 'vitest';
import type { Architecture } from '../../../src/arch/types.js';
import type { Model } from '../../../src/impl/interface.js';
import { evaluateProbabilities } from '../../../src/train/metrics.js';
import { keras } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';

const spec = conformanceSpecs(import.meta.url);

/**
 * Dropout in training keeps each unit with probability 1 − rate and scales what it keeps by 1 / (1 − rate), so the
 * expected input of the next layer is what inference (where Dropout is the identity) gives it.
 *
 * Seen through the interface: D inputs of 1 go through Dropout(0.2) into Dense(2, softmax) whose logit difference is
 * w · (the sum of what Dropout passes). In training that sum is K / (1 − rate), K ~ Binomial(D, 1 − rate), so the
 * training-mode loss of one step with learning rate 0 (the mean of N samples' −log σ(w·K/(1 − rate))) has an exact
 * expectation and spread. It is held within 6 standard errors of that expectation: a correct implementation fails
 * with probability ~2e-9, whatever its random stream. Dropping without the scaling moves the expectation by
 * 0.055 (40 standard errors), and dropping `rate` of the units the wrong way round (keeping 20%) by 0.34.
 */
const D = 100;
const N = 2000;

/** One epoch of all-ones inputs, every label class 0, in one batch at lr 0: the training-mode loss with the weights unchanged. */
async function lossOfOneFrozenEpoch(model: Model) {
  const x = { shape: [N, D], data: new Float32Array(N * D).fill(1) };
  const y = { shape: [N, 2], data: new Float32Array(N * 2) };
  for (let i = 0; i < N; i++) y.data[i * 2] = 1;
  const history = await model.fit!(x, y, {
    optimizer: { type: 'sgd', lr: 0 },
    loss: 'categorical_crossentropy',
    batchSize: N,
    epochs: 1,
    seed: 5,
    shuffle: false,
  });
  return { x, y, training: history.epochs[0]!.loss };
}

const RATE = 0.2;
const W = 0.02;
const ARCH: Architecture = {
  kind: 'sequential',
  inputShape: [D],
  layers: [
    { type: 'Dropout', rate: RATE },
    { type: 'Dense', units: 2, activation: 'softmax' },
  ],
};

/** How both training-loss specs below judge a mean of 2000 per-sample losses against its exact binomial distribution. */
const SIX_SIGMA = {
  method: 'normal approximation of a mean of 2000 independent losses, mean and variance exact from the binomial: P(|Z| > 6) ≈ 2e-9, for any random stream',
  falseFailure: 2e-9,
};

/** Class 0's logit W·(the inputs that pass), class 1's 0: the weights the frozen-epoch specs hold the loss of. */
async function setLogitWeights(model: Model): Promise<void> {
  const kernel = new Float32Array(D * 2);
  for (let i = 0; i < D; i++) kernel[i * 2] = W;
  await model.setWeights([
    { shape: [D, 2], data: kernel },
    { shape: [2], data: new Float32Array(2) },
  ]);
}

/**
 * Where Dropout is the identity, the loss of D inputs of 1 through Dense(2, softmax) with kernel column 0 all W is exactly
 * softplus(−W·D) = 0.1269 for every sample. Predict's per-sample losses: float32 sums of 100 products and a log, 1e-6
 * absolute. The training-mode loss of one epoch is a float32 batch mean of N = 2000 equal losses, whose sum (≈ 254, ulp
 * 1.5e-5) rounds the same way at every addition: a few 1e-6 of drift; 2e-5 absolute (observed 2.3e-6 for tfjs, 2.9e-7
 * for engine, 4.1e-9 for plain-ts), against the 0.57 a Dropout that drops every unit moves it by.
 */
const IDENTITY_TOLERANCE = 1e-6;
const FROZEN_EPOCH_TOLERANCE = 2e-5;

const softplus = (v: number): number => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));

/** Mean and standard deviation of one sample's training loss softplus(−w·K/keep), K ~ Binomial(D, keep). */
function trainingLossDistribution(): { mean: number; sd: number } {
  const keep = 1 - RATE;
  let mean = 0;
  let square = 0;
  let logChoose = 0; // log C(D, k), built up term by term
  for (let k = 0; k <= D; k++) {
    if (k > 0) logChoose += Math.log((D - k + 1) / k);
    const p = Math.exp(logChoose + k * Math.log(keep) + (D - k) * Math.log(1 - keep));
    const loss = softplus((-W * k) / keep);
    mean += p * loss;
    square += p * loss * loss;
  }
  return { mean, sd: Math.sqrt(square - mean * mean) };
}

spec(
  {
    name: 'inverted-scaling',
    judges: ['layer:Dropout:training', 'layer:Dropout:inference'],
    claim: keras(
      'keras/backend/tensorflow_backend.py dropout → tf.nn.dropout (TensorFlow 1.x)',
      'With probability `keep_prob`, outputs the input element scaled up by `1 / keep_prob`, otherwise outputs `0`. The scaling is so that the expected sum is unchanged.',
    ),
    needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Dropout', 'Dense'] },
    stochastic: {
      why:
        'the training loss of one step is a mean of 2000 independent per-sample losses whose exact distribution follows from ' +
        'Binomial(100, 0.8): held within 6 standard errors of its expectation',
      ...SIX_SIGMA,
    },
  },
  async (ctx) => {
    const { impl } = ctx;
    const model = await impl.build(ARCH, { seed: 1 });
    try {
      await setLogitWeights(model);
      const { x, y, training } = await lossOfOneFrozenEpoch(model);
      const { mean, sd } = trainingLossDistribution();
      const bound = (6 * sd) / Math.sqrt(N);
      // At inference Dropout is the identity: every sample's logit difference is exactly w·D.
      const inference = evaluateProbabilities(await model.predict(x, { batchSize: 500 }), y, 'categorical_crossentropy').loss;
      ctx.record({ training, inference }, `training ${mean.toFixed(5)} ± ${bound.toFixed(5)}; inference ${softplus(-W * D).toFixed(6)}`);
      expect(Math.abs(training - mean), `training-mode loss ${training}, expected ${mean} ± ${bound}`).toBeLessThanOrEqual(bound);
      expect(Math.abs(inference - softplus(-W * D))).toBeLessThanOrEqual(IDENTITY_TOLERANCE);
    } finally {
      model.dispose();
    }
  },
);

/**
 * Dropout is applied in training at all. inverted-scaling holds the mean training loss to its expectation, which a
 * fit that skips Dropout misses by less than its bound there (the loss is nearly linear in what Dropout passes). Here
 * the bias cancels the expected logit difference, so the per-sample loss softplus(−w·(K/keep − D)) is a convex
 * function of a spread-out K ~ Binomial(100, 0.8): with Dropout the mean loss of 2000 samples is ≈ 1.2 (exact
 * expectation below), without it exactly ln 2 ≈ 0.693, 25 standard errors away. The bound is the same 6 standard
 * errors of the exact distribution (false failure ~2e-9 for any seed).
 */
const APPLIED_W = 0.4;
function appliedLossDistribution(): { mean: number; sd: number } {
  const keep = 1 - RATE;
  let mean = 0;
  let square = 0;
  let logChoose = 0;
  for (let k = 0; k <= D; k++) {
    if (k > 0) logChoose += Math.log((D - k + 1) / k);
    const p = Math.exp(logChoose + k * Math.log(keep) + (D - k) * Math.log(1 - keep));
    const loss = softplus(-APPLIED_W * (k / keep - D));
    mean += p * loss;
    square += p * loss * loss;
  }
  return { mean, sd: Math.sqrt(square - mean * mean) };
}

spec(
  {
    name: 'applied-in-training',
    judges: ['layer:Dropout:training'],
    claim: keras('keras/layers/core.py Dropout.call', 'return K.in_train_phase(dropped_inputs, inputs, training=training)'),
    needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Dropout', 'Dense'] },
    stochastic: {
      why: 'the mean training loss of 2000 samples, its exact distribution from Binomial(100, 0.8): held within 6 standard errors',
      ...SIX_SIGMA,
    },
  },
  async (ctx) => {
    const { impl } = ctx;
    const model = await impl.build(ARCH, { seed: 1 });
    try {
      const kernel = new Float32Array(D * 2);
      for (let i = 0; i < D; i++) kernel[i * 2] = APPLIED_W;
      // Logit difference w·(sum passed) − w·D: zero on average, so the loss is convex in the dropout noise.
      await model.setWeights([
        { shape: [D, 2], data: kernel },
        { shape: [2], data: Float32Array.from([0, APPLIED_W * D]) },
      ]);
      const { training } = await lossOfOneFrozenEpoch(model);
      const { mean, sd } = appliedLossDistribution();
      const bound = (6 * sd) / Math.sqrt(N);
      ctx.record(training, `${mean} ± ${bound} (without Dropout: ${Math.LN2})`);
      expect(Math.abs(training - mean), `training loss ${training}, expected ${mean} ± ${bound}`).toBeLessThanOrEqual(bound);
    } finally {
      model.dispose();
    }
  },
);

/**
 * Dropout only for 0 < rate < 1: Keras 2.2 clips the rate to [0, 1] when the layer is made and applies dropout only
 * strictly inside, so Dropout(0) and Dropout(1) are the identity in training too — not "drop nothing" and "drop
 * everything" (at rate 1 the inverted scaling would be 1/0). Seen as in inverted-scaling: one frozen epoch's
 * training-mode loss of all-ones inputs equals the inference loss softplus(−W·D) exactly; a Dropout(1) that drops every
 * unit leaves only the bias, loss ln 2 = 0.693.
 */
for (const rate of [0, 1]) {
  spec(
    {
      name: 'identity',
      params: { rate },
      judges: ['layer:Dropout:training'],
      claim: keras(
        'keras/layers/core.py Dropout (Keras 2.2)',
        'self.rate = min(1., max(0., rate)) … def call(self, inputs, training=None): if 0. < self.rate < 1.:',
      ),
      needs: { train: { optimizer: 'sgd', loss: 'categorical_crossentropy' }, layers: ['Dropout', 'Dense'] },
    },
    async (ctx) => {
      const { impl } = ctx;
      const model = await impl.build({ ...ARCH, layers: [{ type: 'Dropout', rate }, ARCH.layers[1]!] }, { seed: 1 });
      try {
        await setLogitWeights(model);
        const { training } = await lossOfOneFrozenEpoch(model);
        ctx.record(training, `${softplus(-W * D)} within ${FROZEN_EPOCH_TOLERANCE} (every unit dropped: ${Math.LN2})`);
        expect(Math.abs(training - softplus(-W * D)), `training-mode loss ${training} with Dropout(${rate})`).toBeLessThanOrEqual(FROZEN_EPOCH_TOLERANCE);
      } finally {
        model.dispose();
      }
    },
  );
}
