/**
 * @fault RMSprop divides by sqrt(a + epsilon) (TensorFlow's own RMSPropOptimizer) instead of Keras's sqrt(a) + epsilon
 *
 * Both are "RMSprop"; they part where gradients are as small as epsilon's square root, which the first steps of a
 * saturated network reach.
 */
import { createPlainTs, KERAS_OPTIMIZERS } from '../plain-ts/index.js';
import { RMSprop } from '../plain-ts/optimizers.js';

class EpsilonInside extends RMSprop {
  override updateOne(p: Float32Array, g: Float32Array, k: number, params: readonly Float32Array[], lr: number): void {
    const { rho, epsilon } = this.o;
    const a = this.slot('accumulators', params)[k]!;
    for (let i = 0; i < p.length; i++) {
      a[i] = rho * a[i]! + (1 - rho) * g[i]! * g[i]!;
      p[i] = p[i]! - (lr * g[i]!) / Math.sqrt(a[i]! + epsilon); // BUG
    }
  }
}

export default createPlainTs(
  { optimizers: { ...KERAS_OPTIMIZERS, rmsprop: (spec) => new EpsilonInside(spec as ConstructorParameters<typeof RMSprop>[0]) } },
  'rmsprop-epsilon-inside-root',
);
