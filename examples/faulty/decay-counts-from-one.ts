/**
 * @fault SGD's learning-rate decay counts the current update (lr / (1 + decay · (iterations + 1))), so even the first step is decayed
 *
 * Keras reads `iterations` before incrementing it: the first update uses the full lr. Counting from one is the
 * natural off-by-one of a loop that increments first.
 */
import { createPlainTs, KERAS_OPTIMIZERS } from '../plain-ts/index.js';
import { SGD } from '../plain-ts/optimizers.js';

class DecayFromOne extends SGD {
  override learningRate(): number {
    return this.o.lr * (1 / (1 + this.o.decay * (this.iterations + 1))); // BUG: counts this update too
  }
}

export default createPlainTs(
  { optimizers: { ...KERAS_OPTIMIZERS, sgd: (spec) => new DecayFromOne(spec as ConstructorParameters<typeof SGD>[0]) } },
  'decay-counts-from-one',
);
