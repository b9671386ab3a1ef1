import { outcomeSpecs } from './outcomes.js';

// Seed 000's network on scaled pixels (100 epochs in the full tier): a file of its own, see outcomes.ts.
outcomeSpecs((recipe) => recipe.id === '000-scaled');
