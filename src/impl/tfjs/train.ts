import * as tf from '@tensorflow/tfjs';
import type { F32Tensor } from '../../tensor.js';
import type { LossName, ResolvedOptimizer } from '../../train/config.js';
import type { StepContext, StepResult } from '../../train/loop.js';
import { KERAS_EPSILON } from '../../train/metrics.js';
import type { MovingUpdate, TfjsNet } from './net.js';
import { makeKerasOptimizer, type KerasOptimizer } from './optimizers.js';

/**
 * Keras 2.2 losses on probabilities (keras/backend/tensorflow_backend.py, keras/losses.py), as batch means.
 * categorical_crossentropy rescales rows to sum 1 and clips to [1e-7, 1 - 1e-7] before the log; the clip's
 * gradient is zero outside the range, so a saturated wrong answer costs -ln(1e-7) and teaches nothing.
 */
export function kerasLoss(loss: LossName, y: tf.Tensor, p: tf.Tensor): tf.Scalar {
  if (loss === 'mean_squared_error') return tf.mean(tf.mean(tf.squaredDifference(p, y), -1));
  const q = tf.clipByValue(p.div(p.sum(-1, true)), KERAS_EPSILON, 1 - KERAS_EPSILON);
  return tf.mean(tf.neg(tf.sum(y.mul(tf.log(q)), -1)));
}

/** Keras categorical_accuracy: argmax of target equals argmax of prediction, averaged. */
function accuracy(y: tf.Tensor, p: tf.Tensor): tf.Scalar {
  return tf.mean(tf.cast(tf.equal(tf.argMax(y, -1), tf.argMax(p, -1)), 'float32'));
}

/**
 * One fit's training state: a fresh Keras optimizer (each fit call is a compile + fit) over the
 * net's trainable variables. A step is one tf.tidy: forward in training mode, loss and accuracy,
 * gradients, parameter updates, then the batch-norm moving statistics; only the two scalars are read back (asynchronously).
 */
export class TfjsTrainer {
  private readonly optimizer: KerasOptimizer;

  constructor(
    private readonly net: TfjsNet,
    optimizer: ResolvedOptimizer,
    private readonly loss: LossName,
  ) {
    this.optimizer = makeKerasOptimizer(optimizer, net.trainable);
  }

  async step(xb: F32Tensor, yb: F32Tensor, ctx: StepContext): Promise<StepResult> {
    const updates: MovingUpdate[] = [];
    let acc: tf.Scalar | undefined;
    try {
      const result = tf.tidy(() => {
        const x = tf.tensor(xb.data, [...xb.shape], 'float32');
        const y = tf.tensor(yb.data, [...yb.shape], 'float32');
        const params = this.net.trainable;
        const { value, grads } = tf.variableGrads(() => {
          const p = this.net.forwardTraining(x, ctx.dropoutRng, updates);
          // Computed on the same training-mode output as the loss (dropout on), as Keras's train function does.
          acc = tf.keep(accuracy(y, p));
          return kerasLoss(this.loss, y, p);
        }, params);
        this.optimizer.apply(
          params,
          params.map((v) => grads[v.name]!),
        );
        this.net.applyMovingUpdates(updates);
        return tf.stack([value, acc!]);
      });
      // Read back asynchronously: WebGPU's synchronous read is slow and, on SwiftShader, returned zeros (src/browser/).
      const [loss, accuracyValue] = await result.data();
      result.dispose();
      return { loss: loss!, acc: accuracyValue! };
    } finally {
      acc?.dispose();
      // Normally already applied and freed; this covers a step that threw half-way.
      for (const u of updates) tf.dispose([u.mean, u.variance]);
    }
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
