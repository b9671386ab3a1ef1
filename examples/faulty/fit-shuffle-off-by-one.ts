/**
 * @fault the fit loop's Fisher–Yates shuffle draws the swap partner from [0, i) instead of [0, i] (Sattolo's algorithm): every row still comes once per epoch and epochs differ, but only cyclic orders ever occur
 *
 * The classic off-by-one of a hand-written shuffle (`Math.floor(random() * i)`): no row can stay where it was.
 */
import { createPlainTs, KerasFitLoop } from '../plain-ts/index.js';
import type { Random } from '../plain-ts/random.js';

class ShuffleOffByOne extends KerasFitLoop {
  override epochOrder(n: number, _epoch: number, random: Random): Uint32Array {
    if (this.config.shuffle === false) return Uint32Array.from({ length: n }, (_, i) => i);
    const p = Uint32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random.float53() * i); // BUG: i + 1
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  }
}

export default createPlainTs({ FitLoop: ShuffleOffByOne }, 'fit-shuffle-off-by-one');
