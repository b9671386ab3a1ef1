import * as tf from '@tensorflow/tfjs';
import type { ResolvedArchitecture, ResolvedLayer } from '../../arch/resolve.js';
import type { ActivationName, BatchNormalizationSpec } from '../../arch/types.js';
import type { Rng } from '../../util/rng.js';

/** One weight of a tf.layers layer, with its Keras name (kernel, bias, gamma, beta, moving_mean, moving_variance). */
export interface NetWeight {
  layer: string;
  name: string;
  variable: tf.Variable;
  trainable: boolean;
}

interface NetLayer {
  spec: ResolvedLayer;
  layer: tf.layers.Layer;
  weights: Map<string, tf.Variable>;
}

/**
 * Keras 2.2 BatchNormalization keeps its moving statistics with TensorFlow's
 * `assign_moving_average(..., zero_debias=True)` (keras/backend/tensorflow_backend.py
 * moving_average_update, Keras 2.1.3–2.2.4): a hidden "biased" average and a step count that live with
 * the layer (not in get_weights), and moving = biased / (1 - momentum^steps). So the first training step
 * sets the moving statistics to that batch's, whatever they were before.
 */
interface DebiasState {
  mean: tf.Variable;
  variance: tf.Variable;
  steps: number;
}

/** A training-mode batch-norm layer's statistics for this step, applied after the gradients. */
export interface MovingUpdate {
  layer: string;
  mean: tf.Tensor;
  variance: tf.Tensor;
}

/** tf.fused ops can differentiate relu (and linear) only: any other activation follows as its own op. */
function splitActivation(a: ActivationName | undefined): { fused: 'linear' | 'relu'; after: ActivationName } {
  return a === 'relu' ? { fused: 'relu', after: 'linear' } : { fused: 'linear', after: a ?? 'linear' };
}

function activate(x: tf.Tensor, activation: ActivationName): tf.Tensor {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'softmax':
      return tf.softmax(x);
  }
}

/**
 * The tf.layers model plus what training needs beyond it: the variables by Keras name, and a
 * training-mode forward pass written with tf ops so that dropout masks come from the project's seeded
 * Rng and batch normalization updates its moving statistics exactly as Keras 2.2 does, once per step.
 * Inference (predict) goes through tf.layers itself.
 */
export class TfjsNet {
  readonly layers: NetLayer[];
  readonly weights: NetWeight[];
  readonly trainable: tf.Variable[];
  private readonly debias = new Map<string, DebiasState>();

  constructor(
    readonly model: tf.LayersModel,
    resolved: ResolvedArchitecture,
  ) {
    const tfLayers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
    if (tfLayers.length !== resolved.layers.length || tfLayers.some((l, i) => l.name !== resolved.layers[i]!.name)) {
      throw new Error(`tfjs model layers (${tfLayers.map((l) => l.name).join(', ')}) do not follow the architecture`);
    }
    this.layers = tfLayers.map((layer, i) => ({
      spec: resolved.layers[i]!,
      layer,
      weights: new Map(layer.weights.map((w) => [kerasWeightName(w.originalName), w.read() as tf.Variable])),
    }));
    this.weights = this.layers.flatMap(({ layer }) =>
      layer.weights.map((w) => ({ layer: layer.name, name: kerasWeightName(w.originalName), variable: w.read() as tf.Variable, trainable: w.trainable })),
    );
    this.trainable = this.weights.filter((w) => w.trainable).map((w) => w.variable);
  }

  private weight(l: NetLayer, name: string): tf.Variable {
    const v = l.weights.get(name);
    if (!v) throw new Error(`${l.spec.name}: no weight ${name}`);
    return v;
  }

  /**
   * Training-mode forward pass (call inside a tape). Batch-norm statistics to apply after the step are
   * pushed onto `updates`, kept out of the caller's tidy; the caller applies and disposes them.
   */
  forwardTraining(x: tf.Tensor, dropoutRng: Rng, updates: MovingUpdate[]): tf.Tensor {
    let h = x;
    const batch = x.shape[0]!;
    for (const l of this.layers) {
      const s = l.spec;
      switch (s.type) {
        case 'Dense': {
          const { fused, after } = splitActivation(s.activation);
          // Keras's Dense contracts the last axis whatever the rank.
          const in2d = h.rank === 2 ? h : h.reshape([-1, h.shape[h.rank - 1]!]);
          let y: tf.Tensor = tf.fused.matMul({
            a: in2d as tf.Tensor2D,
            b: this.weight(l, 'kernel') as tf.Tensor2D,
            bias: l.weights.get('bias'),
            activation: fused,
          });
          if (h.rank !== 2) y = y.reshape([batch, ...s.outputShape]);
          h = activate(y, after);
          break;
        }
        case 'Conv2D': {
          const { fused, after } = splitActivation(s.activation);
          const y = tf.fused.conv2d({
            x: h as tf.Tensor4D,
            filter: this.weight(l, 'kernel') as tf.Tensor4D,
            strides: s.strides ?? [1, 1],
            pad: s.padding ?? 'valid',
            dataFormat: 'NHWC',
            bias: l.weights.get('bias'),
            activation: fused,
          });
          h = activate(y, after);
          break;
        }
        case 'MaxPooling2D':
          h = tf.maxPool(h as tf.Tensor4D, s.poolSize, s.strides ?? s.poolSize, s.padding ?? 'valid');
          break;
        case 'Flatten':
        case 'Reshape':
          h = h.reshape([batch, ...s.outputShape]);
          break;
        case 'Activation':
          h = activate(h, s.activation);
          break;
        case 'Dropout':
          if (s.rate > 0 && s.rate < 1) h = dropout(h, s.rate, dropoutRng);
          break;
        case 'BatchNormalization':
          h = this.batchNormTraining(l, s, h, updates);
          break;
      }
    }
    return h;
  }

  private batchNormTraining(l: NetLayer, s: BatchNormalizationSpec & { name: string }, h: tf.Tensor, updates: MovingUpdate[]): tf.Tensor {
    const axes = [...Array(h.rank - 1).keys()];
    const { mean, variance } = tf.moments(h, axes);
    // Broadcasting ops rather than tf.batchNorm, whose gradient tiles every per-channel factor to the full
    // input shape (a third of a CNN step on wasm).
    const scale = tf.rsqrt(variance.add(s.epsilon ?? 1e-3)).mul(this.weight(l, 'gamma'));
    const y = h.sub(mean).mul(scale).add(this.weight(l, 'beta'));
    // Keras 2.2 stores the sample variance: `variance *= n / (n - (1.0 + epsilon))`
    // (keras/layers/normalization.py). For 4-D inputs its TF backend takes the statistics from
    // tf.nn.fused_batch_norm, whose variance output already carries Bessel's n / (n - 1): Keras corrects twice there.
    const n = h.size / h.shape[h.rank - 1]!;
    let factor = n / (n - (1 + (s.epsilon ?? 1e-3)));
    if (h.rank === 4) factor *= n / Math.max(n - 1, 1);
    updates.push({ layer: l.spec.name, mean: tf.keep(mean), variance: tf.keep(variance.mul(factor)) });
    return y;
  }

  /** Apply one step's moving-statistics updates (the zero-debiased moving average) and free them. */
  applyMovingUpdates(updates: readonly MovingUpdate[]): void {
    for (const u of updates) {
      const l = this.layers.find((x) => x.spec.name === u.layer)!;
      const momentum = (l.spec as BatchNormalizationSpec).momentum ?? 0.99;
      let state = this.debias.get(u.layer);
      if (!state) {
        state = tf.tidy(() => ({ mean: tf.variable(tf.zerosLike(u.mean), false), variance: tf.variable(tf.zerosLike(u.variance), false), steps: 0 }));
        this.debias.set(u.layer, state);
      }
      state.steps++;
      const correction = 1 - momentum ** state.steps;
      const st = state;
      tf.tidy(() => {
        for (const [biased, value, moving] of [
          [st.mean, u.mean, this.weight(l, 'moving_mean')],
          [st.variance, u.variance, this.weight(l, 'moving_variance')],
        ] as const) {
          biased.assign(biased.sub(biased.sub(value).mul(1 - momentum)));
          moving.assign(biased.div(correction));
        }
      });
      tf.dispose([u.mean, u.variance]);
    }
  }

  dispose(): void {
    for (const s of this.debias.values()) {
      s.mean.dispose();
      s.variance.dispose();
    }
    this.debias.clear();
    this.model.dispose();
  }
}

/** 'dense_1/kernel' (tfjs's scoped name) → 'kernel'. */
function kerasWeightName(originalName: string): string {
  return originalName.slice(originalName.lastIndexOf('/') + 1);
}

/**
 * Keras 2.2 training-mode dropout (tf.nn.dropout): x / keep · mask, a unit kept when its uniform draw
 * u satisfies floor(keep + u) = 1, i.e. u ≥ rate. The draws come from the fit's seeded dropout stream
 * (StepContext.dropoutRng), one per unit in row-major order, so the same seed gives the same masks.
 */
function dropout(x: tf.Tensor, rate: number, rng: Rng): tf.Tensor {
  const mask = rng.keepMask(new Float32Array(x.size), rate);
  return x.div(1 - rate).mul(tf.tensor(mask, x.shape, 'float32'));
}
