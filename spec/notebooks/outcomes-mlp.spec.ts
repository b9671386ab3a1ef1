import { isLongMlpRun, outcomeSpecs } from './outcomes.js';

// The MLP notebooks (001-004 MLP and its exercises); 000's two 100-epoch runs have files of their own: see outcomes.ts.
outcomeSpecs((recipe) => !recipe.arch.layers.some((l) => l.type === 'Conv2D') && !isLongMlpRun(recipe));
