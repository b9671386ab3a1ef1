import { KERAS_OPTIMIZER_DEFAULTS, type OptimizerSpec, type OptimizerType } from 'mnist-spec';

/**
 * Keras 2.2's optimizers (keras/optimizers.py, get_updates), one update per training step. An optimizer is
 * created per fit (each fit is a compile + fit), so `iterations` starts at 0 and every slot at zero.
 *
 * Every optimizer takes `decay`: the learning rate of a step is lr / (1 + decay · iterations), with iterations
 * counted before the step. Hyperparameters left out take Keras's defaults (KERAS_OPTIMIZER_DEFAULTS:
 * SGD lr 0.01; RMSprop lr 0.001, rho 0.9, epsilon 1e-7; Adam lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7).
 */
export interface Optimizer {
  /** Update every trainable parameter in place from its gradient (same order, same sizes). */
  update(params: readonly Float32Array[], grads: readonly Float32Array[]): void;
}

type Resolved<T extends OptimizerType> = Required<Extract<OptimizerSpec, { type: T }>>;

/** The spec with Keras's defaults filled in where a hyperparameter is left out. */
export function withDefaults<T extends OptimizerType>(spec: Extract<OptimizerSpec, { type: T }>): Resolved<T> {
  const out: Record<string, unknown> = { ...KERAS_OPTIMIZER_DEFAULTS[spec.type as T] };
  for (const [k, v] of Object.entries(spec)) if (v !== undefined) out[k] = v;
  return out as Resolved<T>;
}

/** One zeroed slot per parameter (Keras's K.zeros(K.int_shape(p))). */
const zerosLike = (params: readonly Float32Array[]): Float64Array[] => params.map((p) => new Float64Array(p.length));

/** Keras's time-based decay, from the iterations done before this step. */
export function decayedLearningRate(lr: number, decay: number, iterations: number): number {
  return lr * (1 / (1 + decay * iterations));
}

/**
 * SGD: without momentum p ← p − lr·g. With momentum: v ← momentum·v − lr·g, then p ← p + v, or with Nesterov
 * p ← p + momentum·v − lr·g.
 */
export class SGD implements Optimizer {
  private iterations = 0;
  private moments: Float64Array[] | undefined;
  readonly o: Resolved<'sgd'>;

  constructor(spec: Extract<OptimizerSpec, { type: 'sgd' }>) {
    this.o = withDefaults(spec);
  }

  update(params: readonly Float32Array[], grads: readonly Float32Array[]): void {
    const { momentum, nesterov } = this.o;
    const lr = decayedLearningRate(this.o.lr, this.o.decay, this.iterations);
    this.moments ??= zerosLike(params);
    params.forEach((p, k) => {
      const g = grads[k]!;
      const m = this.moments![k]!;
      for (let i = 0; i < p.length; i++) {
        const v = momentum * m[i]! - lr * g[i]!;
        m[i] = v;
        p[i] = nesterov ? p[i]! + momentum * v - lr * g[i]! : p[i]! + v;
      }
    });
    this.iterations++;
  }
}

/** RMSprop: a ← rho·a + (1 − rho)·g², p ← p − lr·g / (sqrt(a) + epsilon). */
export class RMSprop implements Optimizer {
  private iterations = 0;
  private accumulators: Float64Array[] | undefined;
  readonly o: Resolved<'rmsprop'>;

  constructor(spec: Extract<OptimizerSpec, { type: 'rmsprop' }>) {
    this.o = withDefaults(spec);
  }

  update(params: readonly Float32Array[], grads: readonly Float32Array[]): void {
    const { rho, epsilon } = this.o;
    const lr = decayedLearningRate(this.o.lr, this.o.decay, this.iterations);
    this.accumulators ??= zerosLike(params);
    params.forEach((p, k) => {
      const g = grads[k]!;
      const a = this.accumulators![k]!;
      for (let i = 0; i < p.length; i++) {
        a[i] = rho * a[i]! + (1 - rho) * g[i]! * g[i]!;
        p[i] = p[i]! - (lr * g[i]!) / (Math.sqrt(a[i]!) + epsilon);
      }
    });
    this.iterations++;
  }
}

/**
 * Adam: t = iterations + 1, lr_t = lr · sqrt(1 − beta_2^t) / (1 − beta_1^t); m ← beta_1·m + (1 − beta_1)·g,
 * v ← beta_2·v + (1 − beta_2)·g², p ← p − lr_t·m / (sqrt(v) + epsilon) — epsilon outside the root and against the
 * uncorrected v. With amsgrad, the root is of v̂ ← max(v̂, v).
 */
export class Adam implements Optimizer {
  private iterations = 0;
  private ms: Float64Array[] | undefined;
  private vs: Float64Array[] | undefined;
  private vhats: Float64Array[] | undefined;
  readonly o: Resolved<'adam'>;

  constructor(spec: Extract<OptimizerSpec, { type: 'adam' }>) {
    this.o = withDefaults(spec);
  }

  update(params: readonly Float32Array[], grads: readonly Float32Array[]): void {
    const { beta1, beta2, epsilon, amsgrad } = this.o;
    const t = this.iterations + 1;
    const lr = decayedLearningRate(this.o.lr, this.o.decay, this.iterations);
    const lrT = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    this.ms ??= zerosLike(params);
    this.vs ??= zerosLike(params);
    this.vhats ??= zerosLike(params);
    params.forEach((p, k) => {
      const g = grads[k]!;
      const m = this.ms![k]!;
      const v = this.vs![k]!;
      const vhat = this.vhats![k]!;
      for (let i = 0; i < p.length; i++) {
        m[i] = beta1 * m[i]! + (1 - beta1) * g[i]!;
        v[i] = beta2 * v[i]! + (1 - beta2) * g[i]! * g[i]!;
        let denominator = v[i]!;
        if (amsgrad) {
          vhat[i] = Math.max(vhat[i]!, v[i]!);
          denominator = vhat[i]!;
        }
        p[i] = p[i]! - (lrT * m[i]!) / (Math.sqrt(denominator) + epsilon);
      }
    });
    this.iterations++;
  }
}

export type OptimizerFactory = (spec: OptimizerSpec) => Optimizer;

export const KERAS_OPTIMIZERS: Record<OptimizerType, OptimizerFactory> = {
  sgd: (spec) => new SGD(spec as Extract<OptimizerSpec, { type: 'sgd' }>),
  rmsprop: (spec) => new RMSprop(spec as Extract<OptimizerSpec, { type: 'rmsprop' }>),
  adam: (spec) => new Adam(spec as Extract<OptimizerSpec, { type: 'adam' }>),
};
