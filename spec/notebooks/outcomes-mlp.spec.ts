import { outcomeSpecs } from './outcomes.js';

// The MLP notebooks (000-004 MLP and its exercises): see outcomes.ts.
outcomeSpecs((recipe) => !recipe.arch.layers.some((l) => l.type === 'Conv2D'));
