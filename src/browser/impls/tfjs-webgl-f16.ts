import * as tf from '@tensorflow/tfjs';
import { describeWebgl, tfjsWebImplementation } from './tfjs-web.js';

/**
 * TF.js on WebGL with every intermediate stored in a float16 texture (WEBGL_FORCE_F16_TEXTURES): what TF.js does on
 * a GPU that cannot render to float32 textures (many phones, some integrated GPUs), forced here so the float16 path is
 * judged on any machine. It declares precision float16 (describeWebgl reads the flag), so the specs hold it to the
 * float16 tolerance profile (src/golden/tolerances.ts).
 */
export default tfjsWebImplementation('webgl', {
  name: 'tfjs-webgl-f16',
  register: () => {
    tf.env().set('WEBGL_FORCE_F16_TEXTURES', true);
  },
  describe: describeWebgl,
});
