import type { ResolvedOptimizer } from '../../train/config.js';
import type { Graph, Value } from './graph.js';

/**
 * Keras 2.2 optimizers (keras/optimizers.py, get_updates), as graph operators over one parameter and its
 * gradient. The per-step scalars (the decayed learning rate, Adam's bias-corrected lr_t) are computed on
 * the host in float32, as Keras's float32 variables compute them, and fed as the graph input `lr`.
 *
 * - SGD:     lr_i = lr / (1 + decay·iterations); v = momentum·v − lr_i·g; p += v (nesterov: p + momentum·v − lr_i·g);
 *            without momentum p −= lr_i·g and no slot exists.
 * - RMSprop: a = rho·a + (1 − rho)·g²;  p −= lr_i·g / (√a + ε)      (ε outside the square root)
 * - Adam:    t = iterations + 1; lr_t = lr_i·√(1 − β2^t) / (1 − β1^t);
 *            m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g²; p −= lr_t·m / (√v + ε)   (amsgrad: √max(v̂, v))
 */

const f32 = Math.fround;

/** Names of the slots (optimizer state tensors) each parameter carries, in order. */
export function slotNames(opt: ResolvedOptimizer): string[] {
  switch (opt.type) {
    case 'sgd':
      return opt.momentum > 0 ? ['moment'] : [];
    case 'rmsprop':
      return ['accumulator'];
    case 'adam':
      return opt.amsgrad ? ['m', 'v', 'vhat'] : ['m', 'v'];
  }
}

/** Emit one parameter's update. Returns the new parameter and new slots (same order as slotNames). */
export function emitUpdate(g: Graph, opt: ResolvedOptimizer, p: Value, grad: Value, slots: Value[], lr: Value, outP: string, outSlots: string[]): void {
  switch (opt.type) {
    case 'sgd': {
      if (!(opt.momentum > 0)) {
        g.op('Sub', [p, g.op('Mul', [grad, lr])], {}, outP);
        return;
      }
      const mom = g.scalar(f32(opt.momentum));
      const step = g.op('Mul', [grad, lr]);
      const v = g.op('Sub', [g.op('Mul', [slots[0]!, mom]), step], {}, outSlots[0]);
      if (opt.nesterov) g.op('Sub', [g.op('Add', [p, g.op('Mul', [v, mom])]), step], {}, outP);
      else g.op('Add', [p, v], {}, outP);
      return;
    }
    case 'rmsprop': {
      const rho = f32(opt.rho);
      const a = g.op('Add', [g.op('Mul', [slots[0]!, g.scalar(rho)]), g.op('Mul', [g.op('Mul', [grad, grad]), g.scalar(f32(1 - rho))])], {}, outSlots[0]);
      const denom = g.op('Add', [g.op('Sqrt', [a]), g.scalar(f32(opt.epsilon))]);
      g.op('Sub', [p, g.op('Div', [g.op('Mul', [grad, lr]), denom])], {}, outP);
      return;
    }
    case 'adam': {
      const b1 = f32(opt.beta1);
      const b2 = f32(opt.beta2);
      const m = g.op('Add', [g.op('Mul', [slots[0]!, g.scalar(b1)]), g.op('Mul', [grad, g.scalar(f32(1 - b1))])], {}, outSlots[0]);
      const v = g.op('Add', [g.op('Mul', [slots[1]!, g.scalar(b2)]), g.op('Mul', [g.op('Mul', [grad, grad]), g.scalar(f32(1 - b2))])], {}, outSlots[1]);
      const second = opt.amsgrad ? g.op('Max', [slots[2]!, v], {}, outSlots[2]) : v;
      const denom = g.op('Add', [g.op('Sqrt', [second]), g.scalar(f32(opt.epsilon))]);
      g.op('Sub', [p, g.op('Div', [g.op('Mul', [m, lr]), denom])], {}, outP);
      return;
    }
  }
}

/** The learning rate fed to step `iterations` (0-based count of updates already made), in float32. */
export function stepLearningRate(opt: ResolvedOptimizer, iterations: number): number {
  const lr = f32(opt.lr);
  const decayed = opt.decay > 0 ? f32(lr * f32(1 / f32(1 + f32(f32(opt.decay) * iterations)))) : lr;
  if (opt.type !== 'adam') return decayed;
  const t = iterations + 1;
  const b1 = f32(opt.beta1);
  const b2 = f32(opt.beta2);
  return f32(decayed * f32(f32(Math.sqrt(f32(1 - f32(b2 ** t)))) / f32(1 - f32(b1 ** t))));
}
