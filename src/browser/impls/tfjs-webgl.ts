import { describeWebgl, tfjsWebImplementation } from './tfjs-web.js';

/** TF.js on WebGL (bundled with @tensorflow/tfjs itself). Its precision depends on the GPU: see describeWebgl. */
export default tfjsWebImplementation('webgl', { register: () => undefined, describe: describeWebgl });
