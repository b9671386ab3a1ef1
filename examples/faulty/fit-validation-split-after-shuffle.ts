/**
 * @fault validation_split takes its rows after shuffling the data, instead of the last rows as given
 *
 * sklearn's train_test_split habit: Keras takes the validation rows from the end of x and y before any shuffling,
 * so which samples validate is fixed by the caller.
 */
import { createPlainTs, KerasFitLoop } from '../plain-ts/index.js';
import { Random } from '../plain-ts/random.js';

type Rows = Parameters<KerasFitLoop['splitValidation']>[0];

class ShuffleThenSplit extends KerasFitLoop {
  override splitValidation(all: Rows): ReturnType<KerasFitLoop['splitValidation']> {
    if (this.config.validationData || !this.config.validationSplit) return super.splitValidation(all);
    const order = new Random(this.config.seed + 1).permutation(all.n); // BUG: shuffled before the split
    return super.splitValidation(this.gather(all, order, 0, all.n));
  }
}

export default createPlainTs({ FitLoop: ShuffleThenSplit }, 'fit-validation-split-after-shuffle');
