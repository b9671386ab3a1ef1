/**
 * @fault training targets are shifted by one class: one-hot labels turned into 1-based class ids for a 0-based sparse loss (digit d is trained as d + 1)
 *
 * The one-hot rows are shifted one place to the right before training (9 wraps to 0), as a port converting
 * labels for a runtime's sparse cross-entropy might; inference is untouched.
 */
import type { F32Tensor, Implementation, Model } from 'mnist-spec';
import { createPlainTs } from '../plain-ts/index.js';

function shifted(y: F32Tensor): F32Tensor {
  const k = y.shape[1]!;
  const out = new Float32Array(y.data.length);
  for (let r = 0; r < y.shape[0]!; r++) for (let j = 0; j < k; j++) out[r * k + ((j + 1) % k)] = y.data[r * k + j]!; // BUG
  return { shape: y.shape, data: out };
}

const base = createPlainTs({}, 'labels-off-by-one');
const implementation: Implementation = {
  ...base,
  async build(arch, options): Promise<Model> {
    const model = await base.build(arch, options);
    return {
      layers: () => model.layers(),
      getWeights: () => model.getWeights(),
      setWeights: (w) => model.setWeights(w),
      predict: (x, o) => model.predict(x, o),
      fit: (x, y, config, callbacks) => {
        const validationData = config.validationData ? { x: config.validationData.x, y: shifted(config.validationData.y) } : undefined;
        return model.fit!(x, shifted(y), { ...config, ...(validationData ? { validationData } : {}) }, callbacks);
      },
      dispose: () => model.dispose(),
    };
  },
};
export default implementation;
