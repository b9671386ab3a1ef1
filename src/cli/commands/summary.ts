import type { Command } from 'commander';
import { formatSummary } from '../../arch/summary.js';
import { resolveArchitecture } from '../../arch/resolve.js';
import { ArgumentError } from '../../errors.js';
import { JudgedFailure } from '../errors.js';
import { loadImplementation, theOneWithRole } from '../../impl/registry.js';
import { getRecipe, RECIPES } from '../../recipes/index.js';

/** `mnist-spec summary <recipe>`: the Keras 2 model.summary() of a recipe, as an implementation builds it. */
export function registerSummary(program: Command): void {
  program
    .command('summary')
    .description(`print the Keras model.summary() of a recipe (${[...RECIPES.keys()].join(', ')})`)
    .argument('<recipe>', 'recipe id, e.g. 001 or 004-cnn')
    .option('--impl <name|path>', 'implementation that builds the model', theOneWithRole('reference'))
    .action(async (recipeId: string, opts: { impl: string }) => {
      let recipe;
      try {
        recipe = getRecipe(recipeId);
      } catch (e) {
        if (e instanceof ArgumentError) throw new ArgumentError('<recipe>', e.detail);
        throw e;
      }
      const impl = await loadImplementation(opts.impl);
      const model = await impl.build(recipe.arch, { seed: 1 }).catch(async (e: unknown) => {
        await impl.close?.();
        throw new JudgedFailure(`summary ${recipe.id}: ${impl.name} failed to build the model: ${(e as Error)?.message ?? String(e)}`, { cause: e });
      });
      try {
        const resolved = resolveArchitecture(recipe.arch);
        const input = recipe.arch.kind === 'functional' ? { name: resolved.inputName, shape: resolved.inputShape } : undefined;
        process.stdout.write(formatSummary({ input, layers: model.layers() }) + '\n');
      } finally {
        model.dispose();
        await impl.close?.();
      }
    });
}
