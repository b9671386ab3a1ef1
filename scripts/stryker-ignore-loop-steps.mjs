// @ts-check
/**
 * A Stryker ignorer (stryker.config.mjs `ignorers: ['loop-steps']`): the step clause of a `for` loop (`i++`,
 * `i += 4, bo += n`) is not mutated. Turning a step around (`i--`, `i -= 4`) makes the loop run forever: the mutant is
 * certain to be detected (as a timeout), so it says nothing about the specs, and each one costs a whole timeout — the
 * slowest thing in a mutation run. The loop's condition and body are mutated as usual.
 */
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'loop-steps', {
    /** @param {import('@babel/core').NodePath} path */
    shouldIgnore(path) {
      const parent = path.parentPath;
      if (parent?.isForStatement() && parent.node.update === path.node) {
        return "a for loop's step: reversed, the loop never ends (a certain timeout that measures nothing)";
      }
      return undefined;
    },
  }),
];
