import type * as ortTypes from 'onnxruntime-node';
import type { F32Tensor } from '../../tensor.js';
import type { LossName, ResolvedOptimizer } from '../../train/config.js';
import type { StepContext, StepResult } from '../../train/loop.js';
import { stepLearningRate } from './optimizers.js';
import { ACC, GRAD_SCALE, LOSS, X, Y, buildTrainingGraph, weightInput, type BatchStatsOutput, type TrainingProgram } from './program.js';
import type { ResolvedArchitecture } from '../../arch/resolve.js';
import { ledger } from './ledger.js';
import { createSession, f32Tensor } from './session.js';
import { ParameterArena } from './update.js';

const f32 = Math.fround;

/** A compiled training step: the graph's session and what the host feeds and reads around it. */
export interface CompiledStep {
  program: TrainingProgram;
  session: ortTypes.InferenceSession;
}

export async function compileStep(resolved: ResolvedArchitecture, loss: LossName): Promise<CompiledStep> {
  const program = buildTrainingGraph(resolved, loss);
  return { program, session: await createSession(program.bytes) };
}

/** Keras 2.2's zero-debiased moving averages of one batch-norm layer (state kept with the layer). */
export interface DebiasState {
  mean: Float32Array;
  variance: Float32Array;
  steps: number;
}

/** What a fit's steps read and write on the model. */
export interface TrainTarget {
  /** Every weight in Keras order; trainable ones are swapped for their updated buffers after each step. */
  weights: Float32Array[];
  debias: Map<string, DebiasState>;
}

/**
 * One fit's training state (each fit is a compile + fit, so optimizer slots start at zero and `iterations`
 * at 0). Parameters, gradients and slots live in the fit's ParameterArena: the step graph reads the
 * parameters and writes the gradients into it (pre-allocated outputs), then the arena's kernels update
 * parameters and slots in place. A step allocates only its feeds' tensor wrappers and its dropout masks' views.
 */
export class Trainer {
  private iterations = 0;
  private readonly arena: ParameterArena;
  private readonly paramTensors: ortTypes.Tensor[];
  private readonly gradTensors: ortTypes.Tensor[];
  private readonly lossOut = f32Tensor(new Float32Array(1), []);
  private readonly accOut = f32Tensor(new Float32Array(1), []);
  private readonly stats: { spec: BatchStatsOutput; mean: ortTypes.Tensor; variance: ortTypes.Tensor }[];
  private masks = new Map<number, Float32Array[]>();
  private readonly gradScale: (n: number) => number;

  constructor(
    private readonly step_: CompiledStep,
    private readonly opt: ResolvedOptimizer,
    loss: LossName,
    private readonly target: TrainTarget,
    private readonly classes: number,
  ) {
    const { program } = step_;
    this.arena = new ParameterArena(
      opt,
      program.trainable.map((w) => target.weights[w.index]!),
    );
    // The model's weights are the arena's views while the fit runs (callbacks and validation read them there).
    program.trainable.forEach((w, j) => (target.weights[w.index] = this.arena.params[j]!));
    this.paramTensors = program.trainable.map((w, j) => f32Tensor(this.arena.params[j]!, w.shape));
    this.gradTensors = program.trainable.map((w, j) => f32Tensor(this.arena.grads[j]!, w.shape));
    this.stats = program.batchStats.map((spec) => ({
      spec,
      mean: f32Tensor(new Float32Array(spec.channels), [spec.channels]),
      variance: f32Tensor(new Float32Array(spec.channels), [spec.channels]),
    }));
    this.gradScale = loss === 'categorical_crossentropy' ? (n) => -1 / n : (n) => 2 / (classes * n);
    ledger.hold(this.heldBuffers());
  }

  /** The buffers this fit owns beyond the model's own weights: gradients, every slot, outputs. */
  private heldBuffers(): number {
    return this.gradTensors.length + this.arena.slots.flat().length + 2 * this.stats.length + 2;
  }

  /** The fit is over: the trained weights move out of the arena into the model's own arrays, and its buffers go. */
  close(): void {
    this.step_.program.trainable.forEach((w, j) => (this.target.weights[w.index] = this.arena.params[j]!.slice()));
    ledger.release(this.heldBuffers());
  }

  private masksFor(n: number): Float32Array[] {
    let m = this.masks.get(n);
    if (!m) {
      m = this.step_.program.dropout.map((d) => new Float32Array(n * d.shape.reduce((a, b) => a * b, 1)));
      this.masks.set(n, m);
    }
    return m;
  }

  async step(xb: F32Tensor, yb: F32Tensor, ctx: StepContext): Promise<StepResult> {
    const { program, session } = this.step_;
    const n = xb.shape[0]!;
    const feeds: Record<string, ortTypes.Tensor> = {
      [X]: f32Tensor(xb.data, xb.shape),
      [Y]: f32Tensor(yb.data, yb.shape),
      [GRAD_SCALE]: f32Tensor(Float32Array.of(this.gradScale(n)), []),
    };
    // Dropout masks from the fit's seeded stream, in layer order, row-major: keep a unit when u ≥ rate.
    const masks = this.masksFor(n);
    program.dropout.forEach((d, i) => {
      feeds[d.name] = f32Tensor(ctx.dropoutRng.keepMask(masks[i]!, d.rate), [n, ...d.shape]);
    });
    const fetches: Record<string, ortTypes.Tensor> = { [LOSS]: this.lossOut, [ACC]: this.accOut };
    program.trainable.forEach((w, j) => {
      feeds[weightInput(w.index)] = this.paramTensors[j]!;
      fetches[program.grads[j]!] = this.gradTensors[j]!;
    });
    for (const s of this.stats) {
      fetches[s.spec.mean] = s.mean;
      fetches[s.spec.variance] = s.variance;
    }
    await session.run(feeds, fetches);
    this.arena.update(stepLearningRate(this.opt, this.iterations));
    this.iterations++;
    for (const s of this.stats) this.updateMovingStatistics(s.spec, n, s.mean.data as Float32Array, s.variance.data as Float32Array);
    return { loss: (this.lossOut.data as Float32Array)[0]!, acc: (this.accOut.data as Float32Array)[0]! };
  }

  /**
   * Keras 2.2 BatchNormalization's update, once per step: the stored variance is the batch variance times
   * n / (n − (1 + ε)) (keras/layers/normalization.py), and for 4-D inputs TensorFlow's fused batch norm has
   * already applied Bessel's n / (n − 1); both statistics then go through TF's zero-debiased moving average
   * (assign_moving_average(zero_debias=True)): biased −= (biased − value)·(1 − momentum),
   * moving = biased / (1 − momentum^steps). Float32 arithmetic throughout, as the TF graph does it.
   */
  private updateMovingStatistics(spec: BatchStatsOutput, batch: number, mean: Float32Array, variance: Float32Array): void {
    const n = batch * spec.perSample;
    let factor = n / (n - (1 + spec.epsilon));
    if (spec.rank === 4) factor *= n / Math.max(n - 1, 1);
    const fFactor = f32(factor);
    let state = this.target.debias.get(spec.layer);
    if (!state) {
      state = { mean: new Float32Array(spec.channels), variance: new Float32Array(spec.channels), steps: 0 };
      this.target.debias.set(spec.layer, state);
      ledger.hold(2); // kept with the model across fits, as Keras keeps the layer's averaging state
    }
    state.steps++;
    const keep = f32(1 - spec.momentum);
    const correction = f32(1 - spec.momentum ** state.steps);
    const movingMean = this.target.weights[spec.movingMean]!;
    const movingVariance = this.target.weights[spec.movingVariance]!;
    for (let c = 0; c < spec.channels; c++) {
      const v = f32(variance[c]! * fFactor);
      state.mean[c] = f32(state.mean[c]! - f32(f32(state.mean[c]! - mean[c]!) * keep));
      state.variance[c] = f32(state.variance[c]! - f32(f32(state.variance[c]! - v) * keep));
      movingMean[c] = f32(state.mean[c]! / correction);
      movingVariance[c] = f32(state.variance[c]! / correction);
    }
  }
}
