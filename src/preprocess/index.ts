/** Keras/numpy preprocessing of the notebooks, on runtime-neutral tensors. */
export { flatten, reshape } from './shape.js';
export { divideByMax, scale255, toFloat32 } from './scale.js';
export { argmax, predictClasses, toCategorical, type Labels } from './labels.js';
export { shuffle, shuffledIndices, validationSplit, validationSplitAt, type XY } from './split.js';
export { batchRanges, batches, epochIndices } from './batch.js';
