import { conformanceSpecs } from '../../../src/harness/spec.js';
import { outcomeSpecs } from './outcome.js';

// Seed 004's CNN, in a file of its own so it trains alongside the MLP outcomes: see outcome.ts.
outcomeSpecs(conformanceSpecs(import.meta.url), (recipe) => recipe.arch.layers.some((l) => l.type === 'Conv2D'));
