/**
 * @fault Dropout in training zeroes units but does not scale the kept ones by 1/(1 − rate)
 *
 * "Vanilla" dropout as first published scales at inference instead; Keras (tf.nn.dropout) scales the kept units
 * in training so inference is the identity. A port that drops without scaling trains on activations shrunk by
 * (1 − rate) and then predicts on full-size ones.
 */
import { createPlainTs, KERAS_LAYERS } from '../plain-ts/index.js';
import { DropoutLayer } from '../plain-ts/layers.js';
import type { Random } from '../plain-ts/random.js';

class UnscaledDropout extends DropoutLayer {
  override drawMask(size: number, random: Random): Float32Array {
    const mask = new Float32Array(size);
    for (let i = 0; i < size; i++) mask[i] = random.float() >= this.spec.rate ? 1 : 0; // BUG: kept units not scaled up
    return mask;
  }
}

export default createPlainTs(
  { layers: { ...KERAS_LAYERS, Dropout: (spec, context) => new UnscaledDropout(spec as DropoutLayer['spec'], context) } },
  'dropout-unscaled',
);
