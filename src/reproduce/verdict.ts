import { describeOutcome, findBound, outcomeHolds } from '../recipes/bounds.js';
import type { RunRecord } from './run.js';

export interface Verdict {
  status: 'holds' | 'fails' | 'unjudged';
  reason: string;
}

/** Hold a run to the bound declared for its recipe, data and budget (src/recipes/bounds.ts). */
export function verdictOf(record: RunRecord): Verdict {
  const tier = record.data.canonical ? 'full' : 'embedded';
  const bound = findBound(record.recipe.id, tier, record.budget.epochs);
  if (!bound) {
    return { status: 'unjudged', reason: `no bound is declared for recipe ${record.recipe.id} on ${tier} data at ${record.budget.epochs} epoch(s)` };
  }
  const holds = outcomeHolds(bound.outcome, record.test);
  return { status: holds ? 'holds' : 'fails', reason: `${describeOutcome(bound.outcome)} (${bound.why})` };
}
