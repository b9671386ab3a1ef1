import { outcomeSpecs } from './outcomes.js';

// Seed 004's CNN, in a file of its own so it trains alongside the MLP outcomes: see outcomes.ts.
outcomeSpecs((recipe) => recipe.arch.layers.some((l) => l.type === 'Conv2D'));
