import { conformanceSpecs } from '../../../src/harness/spec.js';
import { outcomeSpecs } from './outcome.js';

// Seed 000's network on scaled pixels (100 epochs in the full tier): a file of its own, see outcome.ts.
outcomeSpecs(conformanceSpecs(import.meta.url), (recipe) => recipe.id === '000-scaled');
