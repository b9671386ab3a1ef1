/**
 * @fault the epoch's loss and accuracy are the plain mean of the batch values, not weighted by batch size
 *
 * The usual hand-written loop (`total += loss; … total / batches`): Keras's BaseLogger weighs each batch by its
 * size, so a small last batch counts for what it holds.
 */
import { createPlainTs, KerasFitLoop } from '../plain-ts/index.js';
import type { BatchResult } from '../plain-ts/fit.js';

class UnweightedMeans extends KerasFitLoop {
  override runningMean(batches: readonly BatchResult[]): { loss: number; acc: number } {
    const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
    return { loss: mean(batches.map((b) => b.loss)), acc: mean(batches.map((b) => b.acc)) }; // BUG: every batch counts the same
  }
}

export default createPlainTs({ FitLoop: UnweightedMeans }, 'fit-epoch-loss-unweighted');
