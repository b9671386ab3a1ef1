import { conformanceSpecs } from '../../../src/harness/spec.js';
import { isLongMlpRun, outcomeSpecs } from './outcome.js';

// The MLP notebooks (001-004 MLP and its exercises); 000's two 100-epoch runs have files of their own: see outcome.ts.
outcomeSpecs(conformanceSpecs(import.meta.url), (recipe) => !recipe.arch.layers.some((l) => l.type === 'Conv2D') && !isLongMlpRun(recipe));
