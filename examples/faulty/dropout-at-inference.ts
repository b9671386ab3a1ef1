/**
 * @fault Dropout stays on at inference (predict drops 20% of units and scales the rest by 1/0.8)
 *
 * What happens when a runtime's layers default to training mode and the adapter never switches them off.
 */
import { createAdapter } from '../minimal-adapter/index.js';

export default createAdapter(
  {
    dropout(x, rate) {
      const keep = 1 - rate;
      return x.map((v) => (Math.random() < rate ? 0 : v / keep)); // BUG: the training-time mask in predict
    },
  },
  'dropout-at-inference',
);
