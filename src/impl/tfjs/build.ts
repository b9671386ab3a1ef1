import * as tf from '@tensorflow/tfjs';
import type { ResolvedArchitecture, ResolvedLayer } from '../../arch/resolve.js';

/**
 * Architecture → tf.layers model with Keras's names and layer settings (BatchNormalization momentum 0.99
 * and epsilon 1e-3 unless the architecture says otherwise). Kernels start at zero here because the
 * caller overwrites every weight at once with the project's Keras initializers (src/arch/init.ts), so
 * a seed gives the same initial weights in every implementation that uses them.
 */
function makeLayer(spec: ResolvedLayer): tf.layers.Layer {
  const name = spec.name;
  const kernelInitializer = 'zeros';
  switch (spec.type) {
    case 'Dense':
      return tf.layers.dense({
        name,
        units: spec.units,
        activation: spec.activation ?? 'linear',
        useBias: spec.useBias ?? true,
        kernelInitializer,
        biasInitializer: 'zeros',
      });
    case 'Conv2D':
      return tf.layers.conv2d({
        name,
        filters: spec.filters,
        kernelSize: spec.kernelSize,
        strides: spec.strides ?? [1, 1],
        padding: spec.padding ?? 'valid',
        dataFormat: 'channelsLast',
        activation: spec.activation ?? 'linear',
        useBias: spec.useBias ?? true,
        kernelInitializer,
        biasInitializer: 'zeros',
      });
    case 'Dropout':
      return tf.layers.dropout({ name, rate: spec.rate });
    case 'Activation':
      return tf.layers.activation({ name, activation: spec.activation });
    case 'Flatten':
      return tf.layers.flatten({ name });
    case 'Reshape':
      // The resolved output shape: any -1 in targetShape is already settled.
      return tf.layers.reshape({ name, targetShape: spec.outputShape });
    case 'BatchNormalization':
      return tf.layers.batchNormalization({
        name,
        axis: -1,
        momentum: spec.momentum ?? 0.99,
        epsilon: spec.epsilon ?? 1e-3,
        gammaInitializer: 'ones',
        betaInitializer: 'zeros',
        movingMeanInitializer: 'zeros',
        movingVarianceInitializer: 'ones',
      });
    case 'MaxPooling2D':
      return tf.layers.maxPooling2d({
        name,
        poolSize: spec.poolSize,
        strides: spec.strides ?? spec.poolSize,
        padding: spec.padding ?? 'valid',
        dataFormat: 'channelsLast',
      });
  }
}

/** Sequential architectures become tf.sequential, functional ones tf.model over a tf.input, as in Keras. */
export function buildTfjsModel(resolved: ResolvedArchitecture, name: string | undefined): tf.LayersModel {
  const layers = resolved.layers.map(makeLayer);
  if (resolved.kind === 'sequential') {
    const model = tf.sequential(name ? { name } : {});
    model.add(tf.layers.inputLayer({ inputShape: resolved.inputShape, name: resolved.inputName }));
    for (const layer of layers) model.add(layer);
    return model;
  }
  const input = tf.input({ shape: resolved.inputShape, name: resolved.inputName });
  let out: tf.SymbolicTensor = input;
  for (const layer of layers) out = layer.apply(out) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, ...(name ? { name } : {}) });
}
