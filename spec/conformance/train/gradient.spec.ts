import { expect } from 'vitest';
import { keras } from '../../../src/harness/claims.js';
import { conformanceSpecs } from '../../../src/harness/spec.js';
import { ABS_TOLERANCE, ARCH, checkGradients, GRADIENT_BEHAVIOURS, LAYERS, MAX_KINK_SHARE, REL_TOLERANCE, WEIGHT_SEEDS } from './gradient-check.js';

/** Every gradient a training step applies, against finite differences of the loss it reports (gradient-check.ts). */
const spec = conformanceSpecs(import.meta.url);

for (const loss of ['categorical_crossentropy', 'mean_squared_error'] as const) {
  spec(
    {
      name: 'finite-differences', params: { loss },
      judges: [...GRADIENT_BEHAVIOURS, `loss:${loss}`],
      claim: keras('keras/optimizers.py SGD.get_updates', 'v = self.momentum * m - lr * g  # velocity'),
      needs: { train: { optimizer: 'sgd', loss }, layers: LAYERS },
      timeoutMs: 300_000,
    },
    async (ctx) => {
      const { impl } = ctx;
      const model = await impl.build(ARCH, { seed: 3 });
      try {
        const { checked, kinks, failures, worst } = await checkGradients(model, loss, WEIGHT_SEEDS);
        ctx.record({ checked, kinksSkipped: kinks.length, kinks, worstExcess: worst }, `|fd − g| ≤ ${REL_TOLERANCE}·max(|fd|, |g|) + ${ABS_TOLERANCE}, kinks (|fd − g| explained by |d2|/2h) skipped, at most ${MAX_KINK_SHARE * 100}% of them`);
        expect(failures, 'gradients that disagree with the finite differences of the loss').toEqual([]);
        expect(kinks.length, `coordinates skipped as kinks: ${kinks.join('; ')}`).toBeLessThanOrEqual(MAX_KINK_SHARE * checked);
      } finally {
        model.dispose();
      }
    },
  );
}
