/**
 * @fault the model divides its input by 255 again (it assumes raw 0–255 pixels, but the suite feeds what each notebook fed: /255 already)
 *
 * The implementation-side twin of "inputs not scaled": a runtime whose input layer normalises pixels
 * itself, plugged behind a notebook that already did.
 */
import { createAdapter } from '../minimal-adapter/index.js';

export default createAdapter(
  {
    input(x) {
      return x.map((v) => v / 255); // BUG: scaled a second time
    },
  },
  'inputs-rescaled',
);
