import { onnxruntimeWebImplementation } from './onnxruntime-web-common.js';

/** onnxruntime-web on its WebAssembly execution provider (inference only). */
export default onnxruntimeWebImplementation('wasm');
