/**
 * @fault Adam ignores `decay` (the learning-rate decay is applied in SGD only)
 *
 * Keras 2.2 gives every optimizer the same time-based decay; a port that wrote it once, for SGD, leaves Adam's
 * learning rate constant. No notebook sets decay, so only the hyperparameter alone or with others shows it.
 */
import { createPlainTs, KERAS_OPTIMIZERS } from '../plain-ts/index.js';
import { Adam } from '../plain-ts/optimizers.js';

class AdamWithoutDecay extends Adam {
  override learningRate(): number {
    return this.o.lr; // BUG: decay left out
  }
}

export default createPlainTs(
  { optimizers: { ...KERAS_OPTIMIZERS, adam: (spec) => new AdamWithoutDecay(spec as ConstructorParameters<typeof Adam>[0]) } },
  'adam-decay-ignored',
);
