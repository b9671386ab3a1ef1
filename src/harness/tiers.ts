import type { LayerType } from '../arch/types.js';
import type { Implementation } from '../impl/interface.js';
import type { LossName, OptimizerType } from '../train/config.js';
import { ENV } from './env.js';

/**
 * Tiers and needs: what a spec requires of the run (tier, the full data set) and of the implementation (layers,
 * training), and the skip reason when something is missing. A missing need is a skip with its reason, never a pass.
 */
export type Tier = 'fast' | 'full';

export interface SpecNeeds {
  /** The canonical 60k/10k set (MNIST_DIR); skips on the embedded data alone. */
  fullData?: boolean;
  /** The implementation must declare the train capability (with this optimizer and loss, if named). */
  train?: boolean | { optimizer?: OptimizerType; loss?: LossName };
  /** Layer types the implementation must declare. */
  layers?: readonly LayerType[];
}

/** The tier of this run: `full` when MNIST_SPEC_TIER says so. */
export const currentTier = (): Tier => (process.env[ENV.tier] === 'full' ? 'full' : 'fast');

/** Skip reason when this run or implementation cannot judge a spec of this tier and needs, else undefined. */
export function skipReason(tier: Tier, needs: SpecNeeds, impl: Implementation | undefined): string | undefined {
  if (tier === 'full' && currentTier() !== 'full') return 'full tier: run `npm run test:full` (MNIST_DIR set)';
  if (impl?.unavailable) return `implementation "${impl.name}" is unavailable here: ${impl.unavailable}`;
  if (needs.fullData && !process.env[ENV.mnistDir]) return `needs the full MNIST set: set ${ENV.mnistDir} to a directory of the four IDX files`;
  if (!impl) return undefined;
  if (needs.layers) {
    const missing = needs.layers.filter((l) => !impl.capabilities.layers.includes(l));
    if (missing.length) return `implementation "${impl.name}" does not declare layers ${missing.join(', ')}`;
  }
  if (needs.train) {
    const train = impl.capabilities.train;
    if (!train) return `implementation "${impl.name}" is inference-only (no train capability)`;
    if (typeof needs.train === 'object') {
      if (needs.train.optimizer && !train.optimizers.includes(needs.train.optimizer))
        return `implementation "${impl.name}" does not declare optimizer ${needs.train.optimizer}`;
      if (needs.train.loss && !train.losses.includes(needs.train.loss)) return `implementation "${impl.name}" does not declare loss ${needs.train.loss}`;
    }
  }
  return undefined;
}

export function tagsOf(tier: Tier, needs: SpecNeeds, stochastic: boolean): string[] {
  const tags: string[] = [tier];
  if (needs.fullData) tags.push('needs-full-data');
  if (needs.train) tags.push('trains');
  if (stochastic) tags.push('stochastic');
  return tags;
}
