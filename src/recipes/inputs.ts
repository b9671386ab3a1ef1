import type { MnistData } from '../data/types.js';
import { flatten, reshape, scale255, toCategorical, toFloat32 } from '../preprocess/index.js';
import type { F32Tensor, U8Tensor } from '../tensor.js';
import type { InputPrep, Recipe } from './index.js';

export interface PreparedData {
  xTrain: F32Tensor;
  yTrain: F32Tensor;
  xTest: F32Tensor;
  yTest: F32Tensor;
}

/** One array of images as a notebook feeds it to its model. */
export function prepareImages(x: U8Tensor, prep: InputPrep): F32Tensor {
  const n = x.shape[0]!;
  switch (prep) {
    case 'flat-scaled':
      return scale255(flatten(x));
    case 'flat-unscaled':
      return toFloat32(flatten(x));
    case 'image-scaled':
      return scale255(x);
    case 'image-channels-scaled':
      return scale255(reshape(x, [n, 28, 28, 1]));
  }
}

/** The notebook's preprocessing of load_data()'s arrays: images per recipe, labels to_categorical(y, 10). */
export function prepareData(recipe: Recipe, data: MnistData): PreparedData {
  return {
    xTrain: prepareImages(data.xTrain, recipe.input),
    yTrain: toCategorical(data.yTrain, 10),
    xTest: prepareImages(data.xTest, recipe.input),
    yTest: toCategorical(data.yTest, 10),
  };
}
