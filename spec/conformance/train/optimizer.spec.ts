import { expect } from 'vitest';
import type { LossName, OptimizerSpec } from '../../../src/train/config.js';
import { keras, type Claim } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';
import { B0, expected, LOSS_TOLERANCE, train, W0, WEIGHT_TOLERANCE, X } from './tiny-dense.js';

/**
 * Keras 2.2's optimizers, every hyperparameter, pinned on the tiny net of tiny-dense.ts: the weights after a few
 * updates through the interface against the same updates in float64 (src/train/optimizers-reference.ts).
 */
const spec = conformanceSpecs(import.meta.url);

/**
 * Inputs scaled by 1e-6 make the kernel's gradients ~5e-7, the size of epsilon: where epsilon sits
 * (Keras: outside the square root, against the uncorrected sqrt(v)) then changes the update by tens of percent.
 */
const TINY_X = X.map((row) => row.map((v) => v * 1e-6));

const CASES: {
  name: string;
  params?: Record<string, string | number | boolean>;
  judges: string[];
  claim: Claim;
  optimizer: OptimizerSpec;
  loss?: LossName;
  steps: number;
  x?: number[][];
}[] = [
  {
    name: 'sgd',
    params: { lr: 0.1 },
    judges: ['optimizer:sgd:lr'],
    claim: keras('keras/optimizers.py SGD.get_updates', 'new_p = p - lr * g'),
    optimizer: { type: 'sgd', lr: 0.1 },
    steps: 2,
  },
  {
    name: 'sgd',
    params: { momentum: 0.9 },
    judges: ['optimizer:sgd:momentum'],
    claim: keras('keras/optimizers.py SGD.get_updates', 'v = self.momentum * m - lr * g  # velocity'),
    optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 },
    steps: 3,
  },
  {
    name: 'sgd',
    params: { momentum: 0.9, nesterov: true },
    judges: ['optimizer:sgd:nesterov'],
    claim: keras('keras/optimizers.py SGD.get_updates', 'new_p = p + self.momentum * v - lr * g'),
    optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true },
    steps: 3,
  },
  {
    name: 'sgd',
    params: { decay: 0.5 },
    judges: ['optimizer:sgd:decay'],
    claim: keras('keras/optimizers.py SGD.get_updates', 'lr = lr * (1. / (1. + self.decay * K.cast(self.iterations, K.dtype(self.decay))))'),
    optimizer: { type: 'sgd', lr: 0.1, decay: 0.5 },
    steps: 3,
  },
  {
    name: 'rmsprop:defaults',
    judges: ['optimizer:rmsprop:defaults'],
    claim: keras('keras/optimizers.py RMSprop.get_updates', 'new_p = p - lr * g / (K.sqrt(new_a) + self.epsilon)'),
    optimizer: { type: 'rmsprop' },
    steps: 3,
  },
  {
    name: 'rmsprop:epsilon',
    judges: ['optimizer:rmsprop:defaults'],
    claim: keras('keras/optimizers.py RMSprop.get_updates', 'new_p = p - lr * g / (K.sqrt(new_a) + self.epsilon)'),
    optimizer: { type: 'rmsprop', lr: 0.1 },
    steps: 3,
    x: TINY_X,
  },
  {
    name: 'adam:epsilon',
    judges: ['optimizer:adam:defaults'],
    claim: keras('keras/optimizers.py Adam.get_updates', 'p_t = p - lr_t * m_t / (K.sqrt(v_t) + self.epsilon)'),
    optimizer: { type: 'adam', lr: 0.01 },
    steps: 3,
    x: TINY_X,
  },
  {
    name: 'adam:defaults',
    judges: ['optimizer:adam:defaults'],
    claim: keras('keras/optimizers.py Adam.get_updates', 'lr_t = lr * (K.sqrt(1. - K.pow(self.beta_2, t)) / (1. - K.pow(self.beta_1, t)))'),
    optimizer: { type: 'adam' },
    steps: 3,
  },
  {
    name: 'adam:amsgrad',
    judges: ['optimizer:adam:hyperparameters'],
    claim: keras('keras/optimizers.py Adam.get_updates', 'vhat_t = K.maximum(vhat, v_t)'),
    optimizer: { type: 'adam', lr: 0.01, amsgrad: true },
    steps: 3,
  },
  {
    name: 'sgd',
    params: { loss: 'mean_squared_error' },
    judges: ['loss:mean_squared_error'],
    claim: keras('keras/losses.py mean_squared_error', 'return K.mean(K.square(y_pred - y_true), axis=-1)'),
    optimizer: { type: 'sgd', lr: 0.1 },
    loss: 'mean_squared_error',
    steps: 2,
  },
  // Every hyperparameter given, and the ones Keras lets a notebook combine, together: a fault that only shows when two
  // interact (decay with momentum, amsgrad with decay) cannot hide behind the one-at-a-time cases above.
  {
    name: 'sgd',
    params: { momentum: 0.8, nesterov: true, decay: 0.3 },
    judges: ['optimizer:sgd:combined'],
    claim: keras('keras/optimizers.py SGD.get_updates', 'new_p = p + self.momentum * v - lr * g'),
    optimizer: { type: 'sgd', lr: 0.2, momentum: 0.8, nesterov: true, decay: 0.3 },
    steps: 4,
  },
  {
    name: 'rmsprop',
    params: { lr: 0.01, rho: 0.8, epsilon: 1e-4 },
    judges: ['optimizer:rmsprop:hyperparameters'],
    claim: keras('keras/optimizers.py RMSprop.get_updates', 'new_a = self.rho * a + (1. - self.rho) * K.square(g)'),
    optimizer: { type: 'rmsprop', lr: 0.01, rho: 0.8, epsilon: 1e-4 },
    steps: 4,
  },
  {
    name: 'rmsprop',
    params: { lr: 0.01, rho: 0.7, epsilon: 1e-3, decay: 0.4 },
    judges: ['optimizer:rmsprop:combined', 'optimizer:rmsprop:hyperparameters'],
    claim: keras('keras/optimizers.py RMSprop.get_updates', 'lr = lr * (1. / (1. + self.decay * K.cast(self.iterations, K.dtype(self.decay))))'),
    optimizer: { type: 'rmsprop', lr: 0.01, rho: 0.7, epsilon: 1e-3, decay: 0.4 },
    steps: 4,
  },
  {
    name: 'adam',
    params: { lr: 0.02, beta1: 0.8, beta2: 0.95, epsilon: 1e-4 },
    judges: ['optimizer:adam:hyperparameters'],
    claim: keras('keras/optimizers.py Adam.get_updates', 'm_t = (self.beta_1 * m) + (1. - self.beta_1) * g'),
    optimizer: { type: 'adam', lr: 0.02, beta1: 0.8, beta2: 0.95, epsilon: 1e-4 },
    steps: 4,
  },
  {
    name: 'adam',
    params: { lr: 0.02, beta1: 0.7, beta2: 0.9, epsilon: 1e-3, decay: 0.4, amsgrad: true },
    judges: ['optimizer:adam:combined', 'optimizer:adam:hyperparameters'],
    claim: keras('keras/optimizers.py Adam.get_updates', 'v_t = (self.beta_2 * v) + (1. - self.beta_2) * K.square(g)'),
    optimizer: { type: 'adam', lr: 0.02, beta1: 0.7, beta2: 0.9, epsilon: 1e-3, decay: 0.4, amsgrad: true },
    steps: 4,
  },
];

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
for (const c of CASES) {
  const loss = c.loss ?? 'categorical_crossentropy';
  spec(
    {
      name: c.name,
      judges: [...c.judges, `loss:${loss}`, 'method:fit'],
      ...(c.params ? { params: c.params } : {}),
      claim: c.claim,
      needs: { train: { optimizer: c.optimizer.type, loss }, layers: ['Dense'] },
    },
    async (ctx) => {
      const { impl } = ctx;
      const x = c.x ?? X;
      const got = await train(impl, c.optimizer, loss, c.steps, W0, B0, x);
      const want = expected(c.optimizer, loss, c.steps, W0, B0, x);
      const dw = Math.max(maxDiff(got.w, want.w), maxDiff(got.b, want.b));
      ctx.record({ maxWeightDiff: dw, losses: got.losses }, `|Δw| ≤ ${WEIGHT_TOLERANCE} against float64 after ${c.steps} steps`);
      // The updates must have moved the weights well beyond the tolerance, or the comparison proves nothing.
      expect(maxDiff(want.w, W0)).toBeGreaterThan(1000 * WEIGHT_TOLERANCE);
      expect(dw).toBeLessThanOrEqual(WEIGHT_TOLERANCE);
      // Keras reports each batch's loss as computed before that batch's update.
      got.losses.forEach((l, i) => expect(Math.abs(l - want.losses[i]!) / want.losses[i]!, `epoch ${i + 1} loss`).toBeLessThanOrEqual(LOSS_TOLERANCE));
    },
  );
}
