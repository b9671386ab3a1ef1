import { resolveOptimizer, type OptimizerSpec } from './config.js';

/**
 * Keras 2.2's optimizer updates (keras/optimizers.py get_updates) in float64 on plain arrays: the
 * yardstick specs hold an implementation's float32 training step to. One instance is one Keras
 * optimizer: it counts `iterations` and keeps its slots (moments, accumulators) across steps.
 */
export interface ReferenceOptimizer {
  /** Update every parameter in place from its gradient, as one Keras training step does. */
  step(params: Float64Array[], grads: readonly Float64Array[]): void;
  readonly iterations: number;
}

export function referenceOptimizer(spec: OptimizerSpec): ReferenceOptimizer {
  const o = resolveOptimizer(spec);
  let iterations = 0;
  const slots = new Map<string, Float64Array[]>();
  const slot = (name: string, params: readonly Float64Array[]): Float64Array[] => {
    let s = slots.get(name);
    if (!s) slots.set(name, (s = params.map((p) => new Float64Array(p.length))));
    return s;
  };
  return {
    get iterations() {
      return iterations;
    },
    step(params, grads) {
      // lr * (1 / (1 + decay * iterations)), iterations counted before this update
      const lr = o.lr / (1 + o.decay * iterations);
      params.forEach((p, k) => {
        const g = grads[k]!;
        for (let i = 0; i < p.length; i++) {
          switch (o.type) {
            case 'sgd': {
              if (o.momentum > 0) {
                const m = slot('moments', params)[k]!;
                const v = o.momentum * m[i]! - lr * g[i]!;
                m[i] = v;
                p[i] = o.nesterov ? p[i]! + o.momentum * v - lr * g[i]! : p[i]! + v;
              } else {
                p[i] = p[i]! - lr * g[i]!;
              }
              break;
            }
            case 'rmsprop': {
              const a = slot('accumulators', params)[k]!;
              a[i] = o.rho * a[i]! + (1 - o.rho) * g[i]! ** 2;
              p[i] = p[i]! - (lr * g[i]!) / (Math.sqrt(a[i]!) + o.epsilon);
              break;
            }
            case 'adam': {
              const t = iterations + 1;
              const lrT = (lr * Math.sqrt(1 - o.beta2 ** t)) / (1 - o.beta1 ** t);
              const m = slot('ms', params)[k]!;
              const v = slot('vs', params)[k]!;
              m[i] = o.beta1 * m[i]! + (1 - o.beta1) * g[i]!;
              v[i] = o.beta2 * v[i]! + (1 - o.beta2) * g[i]! ** 2;
              let denom = v[i]!;
              if (o.amsgrad) {
                const vhat = slot('vhats', params)[k]!;
                vhat[i] = Math.max(vhat[i]!, v[i]!);
                denom = vhat[i]!;
              }
              p[i] = p[i]! - (lrT * m[i]!) / (Math.sqrt(denom) + o.epsilon);
              break;
            }
          }
        }
      });
      iterations++;
    },
  };
}
