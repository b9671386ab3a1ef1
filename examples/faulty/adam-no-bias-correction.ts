/**
 * @fault Adam steps with lr instead of the bias-corrected lr · sqrt(1 − beta_2^t) / (1 − beta_1^t)
 *
 * The correction matters most in the first steps, where the zero-initialised moments underestimate the gradient's:
 * without it the first updates are sqrt(1 − 0.999)/(1 − 0.9) ≈ 0.32 of Keras's.
 */
import { createPlainTs, KERAS_OPTIMIZERS } from '../plain-ts/index.js';
import { Adam } from '../plain-ts/optimizers.js';

class UncorrectedAdam extends Adam {
  override stepSize(lr: number): number {
    return lr; // BUG: no bias correction
  }
}

export default createPlainTs(
  { optimizers: { ...KERAS_OPTIMIZERS, adam: (spec) => new UncorrectedAdam(spec as ConstructorParameters<typeof Adam>[0]) } },
  'adam-no-bias-correction',
);
