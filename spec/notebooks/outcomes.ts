import { expect } from 'vitest';
import { BOUNDS, describeOutcome, outcomeHolds, type Bound } from '../../src/recipes/bounds.js';
import { getRecipe } from '../../src/recipes/index.js';
import { reproduce } from '../../src/reproduce/run.js';
import { seed, type SeedId } from '../harness/claims.js';
import { embeddedData, fullData } from '../harness/data.js';
import { forEachImplementation, spec } from '../harness/spec.js';
import type { Recipe } from '../../src/recipes/index.js';

/**
 * Each notebook's outcome, reproduced: train the recipe at the budget of a bound in src/recipes/bounds.ts
 * and hold the test result to it. Full-data bounds are the notebooks' own budgets (full tier); embedded
 * ones are short budgets that fit the default tier, calibrated over several seeds (see each bound's why).
 */
const PRINTED: Record<string, { notebook: SeedId; quote: string }> = {
  '000': { notebook: '000', quote: 'Test accuracy: 0.4953' },
  '000-scaled': { notebook: '000', quote: 'X_train = np.divide(X_train,[np.max(X_train)])' },
  '001': { notebook: '001', quote: 'Test accuracy: 0.9842' },
  '002': { notebook: '002', quote: '[0.090043347067890772, 0.98219999999999996]' },
  '003': { notebook: '003', quote: 'test accuracy 0.9764' },
  '004-mlp': { notebook: '004', quote: 'Total accuracy on training 0.128' },
  '004-cnn': { notebook: '004', quote: 'Test accuracy:  0.9812' },
};

function claimOf(bound: Bound) {
  const printed = PRINTED[bound.recipe] ?? { notebook: '004' as const, quote: 'try different optimizers such as Adam and RMSprop' };
  return seed(printed.notebook, printed.quote);
}

/** Register the outcome specs of the bounds whose recipe `select` picks (split across files so vitest runs them in parallel). */
export function outcomeSpecs(select: (recipe: Recipe) => boolean): void {
  forEachImplementation((impl) => {
    for (const bound of BOUNDS.filter((b) => select(getRecipe(b.recipe)))) {
      const recipe = getRecipe(bound.recipe);
      const budgetMinutes = bound.data === 'full' ? 240 : 2;
      spec(
        {
          id: `notebook:outcome:recipe=${bound.recipe};data=${bound.data};epochs=${bound.epochs}`,
          claim: claimOf(bound),
          tier: bound.data === 'full' ? 'full' : 'fast',
          needs: {
            train: { optimizer: recipe.training.optimizer.type, loss: recipe.training.loss },
            layers: [...new Set(recipe.arch.layers.map((l) => l.type))],
            ...(bound.data === 'full' ? { fullData: true } : {}),
          },
          stochastic: bound.why,
          timeoutMs: budgetMinutes * 60_000,
        },
        async (ctx) => {
          const data = bound.data === 'full' ? await fullData() : await embeddedData();
          const record = await reproduce({ recipe, impl, data, epochs: bound.epochs, seed: 1 });
          ctx.record({ accuracy: record.test.accuracy, loss: record.test.loss, saturatedWrongShare: record.test.saturatedWrongShare }, describeOutcome(bound.outcome));
          expect(outcomeHolds(bound.outcome, record.test), `${bound.recipe}: ${JSON.stringify(record.test)} vs ${describeOutcome(bound.outcome)}`).toBe(true);
        },
      );
    }
  });
}
