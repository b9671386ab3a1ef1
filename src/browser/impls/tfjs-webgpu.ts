import '@tensorflow/tfjs-backend-webgpu';
import { describeAdapter } from '../page/gpu.js';
import { tfjsWebImplementation } from './tfjs-web.js';

/**
 * TF.js on WebGPU. Its shaders compute in f32 (tfjs 4.22 has no f16 path), so the precision is float32
 * whatever the adapter; the adapter (headless Chromium without a GPU: SwiftShader) is reported.
 */
export default tfjsWebImplementation('webgpu', {
  register: () => undefined,
  describe: async () => ({ precision: 'float32', precisionReason: 'tfjs-backend-webgpu 4.22 writes its shaders in f32', details: await describeAdapter() }),
});
