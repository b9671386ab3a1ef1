/**
 * @fault training targets are shifted by one class: one-hot labels turned into 1-based class ids for a 0-based sparse loss (digit d is trained as d + 1)
 *
 * Wraps the TF.js implementation and shifts every one-hot row one place to the right before fit
 * (wrapping 9 to 0), as an adapter converting labels for a runtime's sparse cross-entropy might.
 */
import type { Implementation, Model } from '../../src/impl/interface.js';
import tfjs from '../../src/impl/tfjs/index.js';
import type { F32Tensor } from '../../src/tensor.js';

function shifted(y: F32Tensor): F32Tensor {
  const k = y.shape[1]!;
  const out = new Float32Array(y.data.length);
  for (let r = 0; r < y.shape[0]!; r++) for (let j = 0; j < k; j++) out[r * k + ((j + 1) % k)] = y.data[r * k + j]!; // BUG
  return { shape: y.shape, data: out };
}

const implementation: Implementation = {
  ...tfjs,
  name: 'labels-off-by-one',
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
        const validationData = config.validationData ? { x: config.validationData.x, y: shifted(config.validationData.y) } : undefined;
        return model.fit!(x, shifted(y), { ...config, ...(validationData ? { validationData } : {}) }, callbacks);
      },
    };
  },
};
export default implementation;
