/**
 * @fault the fit loop drops the last, smaller batch of each epoch when batchSize does not divide the training rows
 *
 * `drop_last=True` habits, or `Math.floor(n / batchSize)` batches: Keras's make_batches keeps the remainder as a
 * last, smaller batch, so every row is seen every epoch.
 */
import { createPlainTs, KerasFitLoop } from '../plain-ts/index.js';

class DropLast extends KerasFitLoop {
  override batchRanges(n: number): [number, number][] {
    return super.batchRanges(n).filter(([start, end]) => end - start === this.config.batchSize); // BUG: the partial batch is lost
  }
}

export default createPlainTs({ FitLoop: DropLast }, 'fit-drops-last-batch');
