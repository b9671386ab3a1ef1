/**
 * @fault Adam uses beta_1 = 0.9 and beta_2 = 0.999 whatever the model was compiled with
 *
 * A port that reads `lr` from the configuration and hard-codes the rest: right for every notebook (they keep
 * Keras's defaults), wrong for anyone who sets them.
 */
import { createPlainTs, KERAS_OPTIMIZERS } from '../plain-ts/index.js';
import { Adam } from '../plain-ts/optimizers.js';

type AdamSpec = ConstructorParameters<typeof Adam>[0];

export default createPlainTs(
  { optimizers: { ...KERAS_OPTIMIZERS, adam: (spec) => new Adam({ ...(spec as AdamSpec), beta1: 0.9, beta2: 0.999 }) } }, // BUG: the given betas dropped
  'adam-betas-default',
);
