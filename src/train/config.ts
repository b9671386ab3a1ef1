import { ArgumentError } from '../errors.js';
import type { F32Tensor } from '../tensor.js';

/**
 * What `model.compile(...)` + `model.fit(...)` say in a notebook, as data. Optimizer fields left out take
 * Keras's defaults (KERAS_OPTIMIZER_DEFAULTS); the notebooks' `lr=` values are passed explicitly.
 */
export type OptimizerSpec =
  | { type: 'sgd'; lr?: number; momentum?: number; nesterov?: boolean; decay?: number }
  | { type: 'rmsprop'; lr?: number; rho?: number; epsilon?: number; decay?: number }
  | { type: 'adam'; lr?: number; beta1?: number; beta2?: number; epsilon?: number; decay?: number; amsgrad?: boolean };
export type OptimizerType = OptimizerSpec['type'];
export type ResolvedOptimizer = Required<OptimizerSpec>;

/**
 * Keras 2.2 defaults (keras/optimizers.py): SGD(lr=0.01, momentum=0., decay=0., nesterov=False);
 * RMSprop(lr=0.001, rho=0.9, epsilon=None→K.epsilon()=1e-7, decay=0.);
 * Adam(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=None→1e-7, decay=0., amsgrad=False).
 */
export const KERAS_OPTIMIZER_DEFAULTS: { [K in OptimizerType]: Required<Extract<OptimizerSpec, { type: K }>> } = {
  sgd: { type: 'sgd', lr: 0.01, momentum: 0, nesterov: false, decay: 0 },
  rmsprop: { type: 'rmsprop', lr: 0.001, rho: 0.9, epsilon: 1e-7, decay: 0 },
  adam: { type: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decay: 0, amsgrad: false },
};

export function resolveOptimizer(spec: OptimizerSpec): ResolvedOptimizer {
  const defaults = KERAS_OPTIMIZER_DEFAULTS[spec.type];
  if (!defaults) throw new ArgumentError('optimizer.type', `unknown optimizer "${(spec as { type: string }).type}"`);
  const out = { ...defaults } as Record<string, unknown>;
  for (const [k, v] of Object.entries(spec)) if (v !== undefined) out[k] = v;
  return out as ResolvedOptimizer;
}

export type LossName = 'categorical_crossentropy' | 'mean_squared_error';

/** One `model.fit(...)` call. `x` and `y` are given to `fit` itself; this is everything else. */
export interface FitConfig {
  optimizer: OptimizerSpec;
  loss: LossName;
  batchSize: number;
  epochs: number;
  /** Seeds shuffling and dropout (and nothing else: initial weights are fixed at build time). */
  seed: number;
  /** Keras reshuffles the training set every epoch (fit's default shuffle=True). */
  shuffle?: boolean;
  /** Keras `validation_split`: the last fraction of x/y, taken before any shuffling. */
  validationSplit?: number;
  /** Keras `validation_data`. Keras 2.2 uses it in preference to validationSplit when both are given. */
  validationData?: { x: F32Tensor; y: F32Tensor };
}

/** One line of a Keras History: the epoch's running training metrics and the end-of-epoch validation. */
export interface EpochLog {
  /** 0-based, as in a Keras History. */
  epoch: number;
  loss: number;
  acc: number;
  valLoss?: number;
  valAcc?: number;
  seconds: number;
}

export interface History {
  /** "Train on N samples, validate on M samples". */
  trainSamples: number;
  valSamples: number;
  epochs: EpochLog[];
}

/** Called after each batch (for progress bars) and each epoch. Either may be given alone. */
export interface FitCallbacks {
  onBatchEnd?(info: { epoch: number; seen: number; total: number; loss: number; acc: number }): void;
  onEpochEnd?(log: EpochLog): void;
}

export function checkFitConfig(cfg: FitConfig): void {
  if (!Number.isInteger(cfg.batchSize) || cfg.batchSize < 1) throw new ArgumentError('batchSize', `must be a positive integer, got ${cfg.batchSize}`);
  if (!Number.isInteger(cfg.epochs) || cfg.epochs < 0) throw new ArgumentError('epochs', `must be a non-negative integer, got ${cfg.epochs}`);
  if (cfg.validationSplit !== undefined && !(cfg.validationSplit >= 0 && cfg.validationSplit < 1)) {
    throw new ArgumentError('validationSplit', `must be in [0, 1), got ${cfg.validationSplit}`);
  }
}
