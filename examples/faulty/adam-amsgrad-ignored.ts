/**
 * @fault Adam ignores `amsgrad` (always the plain Adam update)
 *
 * AMSGrad divides by the largest second moment so far, not the current one; the two differ only once v shrinks,
 * which with beta_2 = 0.999 takes a while.
 */
import { createPlainTs, KERAS_OPTIMIZERS } from '../plain-ts/index.js';
import { Adam } from '../plain-ts/optimizers.js';

type AdamSpec = ConstructorParameters<typeof Adam>[0];

export default createPlainTs(
  { optimizers: { ...KERAS_OPTIMIZERS, adam: (spec) => new Adam({ ...(spec as AdamSpec), amsgrad: false }) } }, // BUG: the flag dropped
  'adam-amsgrad-ignored',
);
