/**
 * @fault RMSprop's unset hyperparameters take PyTorch's defaults (lr 0.01, alpha 0.99, eps 1e-8) instead of Keras's (lr 0.001, rho 0.9, epsilon 1e-7)
 *
 * The notebooks write `RMSprop()` and rely on Keras's defaults; a port that fills them in from torch.optim.RMSprop
 * trains differently from the first step.
 */
import { createPlainTs, KERAS_OPTIMIZERS } from '../plain-ts/index.js';
import { RMSprop } from '../plain-ts/optimizers.js';

export default createPlainTs(
  {
    optimizers: {
      ...KERAS_OPTIMIZERS,
      rmsprop: (spec) => {
        const o = spec as Extract<typeof spec, { type: 'rmsprop' }>;
        return new RMSprop({ ...o, lr: o.lr ?? 0.01, rho: o.rho ?? 0.99, epsilon: o.epsilon ?? 1e-8 }); // BUG: torch.optim.RMSprop's defaults
      },
    },
  },
  'rmsprop-pytorch-defaults',
);
