/**
 * @fault Dropout stays on at inference (predict drops a rate of the units and scales the rest by 1/(1 − rate))
 *
 * What happens when a runtime's layers default to training mode and the port never switches them off.
 */
import { createPlainTs, KERAS_LAYERS } from '../plain-ts/index.js';
import { DropoutLayer, type TrainingPass } from '../plain-ts/layers.js';
import { Random } from '../plain-ts/random.js';

class AlwaysDropout extends DropoutLayer {
  private readonly own = new Random(Date.now());
  override forward(x: Float32Array, n: number, training?: TrainingPass): Float32Array {
    return super.forward(x, n, training ?? { random: this.own }); // BUG: the training-time mask in predict too
  }
}

export default createPlainTs(
  { layers: { ...KERAS_LAYERS, Dropout: (spec, context) => new AlwaysDropout(spec as DropoutLayer['spec'], context) } },
  'dropout-at-inference',
);
