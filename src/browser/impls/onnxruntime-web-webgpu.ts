import { onnxruntimeWebImplementation } from './onnxruntime-web-common.js';

/** onnxruntime-web on its WebGPU execution provider (JSEP build; inference only), where the browser has an adapter. */
export default onnxruntimeWebImplementation('webgpu');
