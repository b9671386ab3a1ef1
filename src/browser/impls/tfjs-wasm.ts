import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../impl/tfjs/wasm-kernels.js';
import { ASSETS } from '../page/assets.js';
import { tfjsWebImplementation } from './tfjs-web.js';

/**
 * TF.js on WebAssembly in the page: the same backend and training kernels as the Node reference, with the
 * page's threads (the threaded SIMD build when the page is cross-origin isolated, as the runner serves it).
 */
export default tfjsWebImplementation('wasm', {
  register: () => setWasmPaths(ASSETS.tfjsWasm),
  describe: () => {
    registerWasmTrainingKernels();
    return {
      precision: 'float32',
      precisionReason: 'WebAssembly computes in IEEE float32',
      details: { simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), threads: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'), threadsCount: getThreadsCount() },
    };
  },
});
