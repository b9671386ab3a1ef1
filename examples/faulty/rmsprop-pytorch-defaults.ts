/**
 * @fault RMSprop's unset hyperparameters take PyTorch's defaults (lr 0.01, alpha 0.99, eps 1e-8) instead of Keras's (lr 0.001, rho 0.9, epsilon 1e-7)
 *
 * The notebooks write `RMSprop()` and rely on Keras's defaults. This wraps the TF.js implementation and
 * fills in the wrong ones before training; inference is untouched.
 */
import type { Implementation, Model } from '../../src/impl/interface.js';
import tfjs from '../../src/impl/tfjs/index.js';

const implementation: Implementation = {
  ...tfjs,
  name: 'rmsprop-pytorch-defaults',
  info: () => tfjs.info(),
  async build(arch, options): Promise<Model> {
    const model = await tfjs.build(arch, options);
    return {
      layers: () => model.layers(),
      getWeights: () => model.getWeights(),
      setWeights: (w) => model.setWeights(w),
      predict: (x, o) => model.predict(x, o),
      dispose: () => model.dispose(),
      fit(x, y, config, callbacks) {
        const o = config.optimizer;
        // BUG: PyTorch's torch.optim.RMSprop defaults
        const optimizer = o.type === 'rmsprop' ? { ...o, lr: o.lr ?? 0.01, rho: o.rho ?? 0.99, epsilon: o.epsilon ?? 1e-8 } : o;
        return model.fit!(x, y, { ...config, optimizer }, callbacks);
      },
    };
  },
};
export default implementation;
