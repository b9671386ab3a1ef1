/**
 * @fault the fit loop shuffles the training rows once and visits them in that same order every epoch, instead of a fresh order each epoch
 *
 * A shuffle hoisted out of the epoch loop (or a generator re-seeded every epoch): each epoch sees the same batches.
 */
import { createPlainTs, KerasFitLoop } from '../plain-ts/index.js';
import type { Random } from '../plain-ts/random.js';

class ShuffleOnce extends KerasFitLoop {
  private order: Uint32Array | undefined;
  override epochOrder(n: number, epoch: number, random: Random): Uint32Array {
    this.order ??= super.epochOrder(n, epoch, random); // BUG: the first epoch's order, kept
    return this.order;
  }
}

export default createPlainTs({ FitLoop: ShuffleOnce }, 'fit-shuffle-once');
