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

type Spec<T extends OptimizerType> = Extract<OptimizerSpec, { type: T }>;
type Resolved<T extends OptimizerType> = Required<Spec<T>>;

/** The spec with Keras's defaults filled in where a hyperparameter is left out. */
export function withDefaults<T extends OptimizerType>(spec: Spec<T>): Resolved<T> {
  const out: Record<string, unknown> = { ...KERAS_OPTIMIZER_DEFAULTS[spec.type as T] };
  for (const [k, v] of Object.entries(spec)) if (v !== undefined) out[k] = v;
  return out as Resolved<T>;
}

/** What every Keras optimizer shares: the hyperparameters, `iterations`, the decayed learning rate, zeroed slots. */
export abstract class KerasOptimizer<T extends OptimizerType> implements Optimizer {
  readonly o: Resolved<T>;
  /** Updates done so far (Keras's `iterations`). */
  iterations = 0;
  private readonly slots = new Map<string, Float64Array[]>();

  constructor(spec: Spec<T>) {
    this.o = withDefaults(spec);
  }

  /** Keras's time-based decay: lr · 1 / (1 + decay · iterations), iterations counted before this update. */
  learningRate(): number {
    const { lr, decay } = this.o as { lr: number; decay: number };
    return lr * (1 / (1 + decay * this.iterations));
  }

  /** One zeroed array per parameter, created on first use (Keras's K.zeros(K.int_shape(p))). */
  slot(name: string, params: readonly Float32Array[]): Float64Array[] {
    let s = this.slots.get(name);
    if (!s) this.slots.set(name, (s = params.map((p) => new Float64Array(p.length))));
    return s;
  }

  update(params: readonly Float32Array[], grads: readonly Float32Array[]): void {
    const lr = this.learningRate();
    params.forEach((p, k) => this.updateOne(p, grads[k]!, k, params, lr));
    this.iterations++;
  }

  /** Update parameter `k` (of `params`) from its gradient `g` with this step's learning rate. */
  abstract updateOne(p: Float32Array, g: Float32Array, k: number, params: readonly Float32Array[], lr: number): void;
}

/**
 * SGD: without momentum p ← p − lr·g. With momentum: v ← momentum·v − lr·g, then p ← p + v, or with Nesterov
 * p ← p + momentum·v − lr·g (the velocity carries the learning rate of the step that made it).
 */
export class SGD extends KerasOptimizer<'sgd'> {
  updateOne(p: Float32Array, g: Float32Array, k: number, params: readonly Float32Array[], lr: number): void {
    const { momentum, nesterov } = this.o;
    if (momentum === 0) {
      for (let i = 0; i < p.length; i++) p[i] = p[i]! - lr * g[i]!;
      return;
    }
    const m = this.slot('moments', params)[k]!;
    for (let i = 0; i < p.length; i++) {
      const v = momentum * m[i]! - lr * g[i]!;
      m[i] = v;
      p[i] = nesterov ? p[i]! + momentum * v - lr * g[i]! : p[i]! + v;
    }
  }
}

/** RMSprop: a ← rho·a + (1 − rho)·g², p ← p − lr·g / (sqrt(a) + epsilon). */
export class RMSprop extends KerasOptimizer<'rmsprop'> {
  updateOne(p: Float32Array, g: Float32Array, k: number, params: readonly Float32Array[], lr: number): void {
    const { rho, epsilon } = this.o;
    const a = this.slot('accumulators', params)[k]!;
    for (let i = 0; i < p.length; i++) {
      a[i] = rho * a[i]! + (1 - rho) * g[i]! * g[i]!;
      p[i] = p[i]! - (lr * g[i]!) / (Math.sqrt(a[i]!) + epsilon);
    }
  }
}

/**
 * Adam: t = iterations + 1, lr_t = lr · sqrt(1 − beta_2^t) / (1 − beta_1^t); m ← beta_1·m + (1 − beta_1)·g,
 * v ← beta_2·v + (1 − beta_2)·g², p ← p − lr_t·m / (sqrt(v) + epsilon): epsilon outside the root, against the
 * uncorrected v. With amsgrad the root is of v̂ ← max(v̂, v), the largest v so far.
 */
export class Adam extends KerasOptimizer<'adam'> {
  /** The bias-corrected step size lr_t of this update. */
  stepSize(lr: number): number {
    const t = this.iterations + 1;
    return (lr * Math.sqrt(1 - this.o.beta2 ** t)) / (1 - this.o.beta1 ** t);
  }

  updateOne(p: Float32Array, g: Float32Array, k: number, params: readonly Float32Array[], lr: number): void {
    const { beta1, beta2, epsilon, amsgrad } = this.o;
    const lrT = this.stepSize(lr);
    const m = this.slot('ms', params)[k]!;
    const v = this.slot('vs', params)[k]!;
    const vhat = amsgrad ? this.slot('vhats', params)[k]! : undefined;
    for (let i = 0; i < p.length; i++) {
      m[i] = beta1 * m[i]! + (1 - beta1) * g[i]!;
      v[i] = beta2 * v[i]! + (1 - beta2) * g[i]! * g[i]!;
      let denominator = v[i]!;
      if (vhat) denominator = vhat[i] = Math.max(vhat[i]!, v[i]!);
      p[i] = p[i]! - (lrT * m[i]!) / (Math.sqrt(denominator) + epsilon);
    }
  }
}

export type OptimizerFactory = (spec: OptimizerSpec) => Optimizer;

export const KERAS_OPTIMIZERS: Record<OptimizerType, OptimizerFactory> = {
  sgd: (spec) => new SGD(spec as Spec<'sgd'>),
  rmsprop: (spec) => new RMSprop(spec as Spec<'rmsprop'>),
  adam: (spec) => new Adam(spec as Spec<'adam'>),
};
