import * as tf from '@tensorflow/tfjs';
import type { ResolvedOptimizer } from '../../train/config.js';

/**
 * Keras 2.2 optimizers (keras/optimizers.py get_updates) as tf ops on the model's variables. TF.js's own
 * RMSprop and Adam put epsilon inside the square root and differ in other details, so they are not used.
 *
 * Keras keeps lr, rho, beta_1, beta_2 and decay as float32 variables and builds `1. - rho` etc. in
 * float32; the coefficients here are rounded the same way (Math.fround) before they reach the ops.
 */
export interface KerasOptimizer {
  /** One update of every parameter from its gradient (call inside tf.tidy). */
  apply(params: readonly tf.Variable[], grads: readonly tf.Tensor[]): void;
  /** Updates done so far: Keras's `iterations`. */
  readonly iterations: number;
  dispose(): void;
}

const f32 = Math.fround;

/** Zero-initialised slot variables, one per parameter (Keras's K.zeros(K.int_shape(p))). */
function slots(params: readonly tf.Variable[]): tf.Variable[] {
  return params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
}

export function makeKerasOptimizer(spec: ResolvedOptimizer, params: readonly tf.Variable[]): KerasOptimizer {
  let iterations = 0;
  const state: tf.Variable[][] = [];
  /** `lr * (1 / (1 + decay * iterations))` with iterations counted before this update. */
  const decayedLr = (): number => {
    const lr = f32(spec.lr);
    return spec.decay > 0 ? f32(lr * f32(1 / f32(1 + f32(f32(spec.decay) * iterations)))) : lr;
  };
  let step: (p: tf.Variable, g: tf.Tensor, i: number, lr: number) => void;

  switch (spec.type) {
    case 'sgd': {
      const momentum = f32(spec.momentum);
      // Keras creates moments only when momentum > 0.
      const moments = spec.momentum > 0 ? slots(params) : undefined;
      if (moments) state.push(moments);
      step = (p, g, i, lr) => {
        if (!moments) {
          p.assign(p.sub(g.mul(lr)));
          return;
        }
        const v = moments[i]!.mul(momentum).sub(g.mul(lr)); // velocity
        moments[i]!.assign(v);
        p.assign(spec.nesterov ? p.add(v.mul(momentum)).sub(g.mul(lr)) : p.add(v));
      };
      break;
    }
    case 'rmsprop': {
      const rho = f32(spec.rho);
      const oneMinusRho = f32(1 - rho);
      const eps = f32(spec.epsilon);
      const acc = slots(params);
      state.push(acc);
      step = (p, g, i, lr) => {
        const a = acc[i]!.mul(rho).add(g.square().mul(oneMinusRho));
        acc[i]!.assign(a);
        p.assign(p.sub(g.mul(lr).div(a.sqrt().add(eps))));
      };
      break;
    }
    case 'adam': {
      const b1 = f32(spec.beta1);
      const b2 = f32(spec.beta2);
      const eps = f32(spec.epsilon);
      const ms = slots(params);
      const vs = slots(params);
      const vhats = spec.amsgrad ? slots(params) : undefined;
      state.push(ms, vs, ...(vhats ? [vhats] : []));
      step = (p, g, i, lr) => {
        // t = iterations + 1; lr_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
        const t = iterations + 1;
        const lrT = f32(lr * f32(f32(Math.sqrt(f32(1 - f32(b2 ** t)))) / f32(1 - f32(b1 ** t))));
        const m = ms[i]!.mul(b1).add(g.mul(f32(1 - b1)));
        const v = vs[i]!.mul(b2).add(g.square().mul(f32(1 - b2)));
        ms[i]!.assign(m);
        vs[i]!.assign(v);
        let denom = v;
        if (vhats) {
          denom = tf.maximum(vhats[i]!, v);
          vhats[i]!.assign(denom);
        }
        p.assign(p.sub(m.mul(lrT).div(denom.sqrt().add(eps))));
      };
      break;
    }
  }

  return {
    apply(ps, grads) {
      const lr = decayedLr();
      ps.forEach((p, i) => step(p, grads[i]!, i, lr));
      iterations++;
    },
    get iterations() {
      return iterations;
    },
    dispose() {
      for (const vars of state) for (const v of vars) v.dispose();
    },
  };
}
