import type { ResolvedOptimizer } from '../../train/config.js';

/**
 * Keras 2.2 optimizers (keras/optimizers.py, get_updates): which slots each keeps and the per-step learning
 * rate. The update itself runs after the step graph, on the gradients it writes, in update.wat's kernels
 * (update.ts); the per-step scalars (the decayed learning rate, Adam's bias-corrected lr_t) are computed
 * here in float32, as Keras's float32 variables compute them.
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
