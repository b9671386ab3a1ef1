/**
 * @fault the model divides its input by 255 again (it assumes raw 0–255 pixels, but the suite feeds what each notebook fed: /255 already)
 *
 * The implementation-side twin of "inputs not scaled": a runtime whose input layer normalises pixels itself,
 * plugged behind a notebook that already did.
 */
import type { F32Tensor, Implementation, Model } from 'mnist-spec';
import { createPlainTs } from '../plain-ts/index.js';

const base = createPlainTs({}, 'inputs-rescaled');
const rescaled = (x: F32Tensor): F32Tensor => ({ shape: x.shape, data: x.data.map((v) => v / 255) }); // BUG: scaled a second time

const implementation: Implementation = {
  ...base,
  async build(arch, options): Promise<Model> {
    const model = await base.build(arch, options);
    return {
      layers: () => model.layers(),
      getWeights: () => model.getWeights(),
      setWeights: (w) => model.setWeights(w),
      predict: (x, o) => model.predict(rescaled(x), o),
      fit: (x, y, config, callbacks) => {
        const validationData = config.validationData ? { ...config.validationData, x: rescaled(config.validationData.x) } : undefined;
        return model.fit!(rescaled(x), y, { ...config, ...(validationData ? { validationData } : {}) }, callbacks);
      },
      dispose: () => model.dispose(),
    };
  },
};
export default implementation;
