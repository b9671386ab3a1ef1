// @ts-check
/**
 * Stryker ignorers (stryker.config.mjs `ignorers`): what a mutation run of examples/plain-ts's numerical core leaves
 * unmutated, each with the reason Stryker shows beside the ignored mutant in its report.
 *
 * - `loop-steps`: the step clause of a `for` loop (`i++`, `i += 4, bo += n`). Turning a step around (`i--`, `i -= 4`)
 *   makes the loop run forever: the mutant is certain to be detected (as a timeout), so it says nothing about the specs,
 *   and each one costs a whole timeout — the slowest thing in a mutation run. The loop's condition and body are mutated.
 * - `memory-bookkeeping`: the bodies of the layers' `release()` (drop what a training-mode forward kept for backward)
 *   and `heldArrays()` (count the arrays held, for `info().details.liveTensors`). They decide how much memory a model
 *   holds between steps, never a number it computes: out of the numerical core's scope, as the argument checks are. The
 *   memory an implementation frees is judged apart (`train:fit:frees-its-tensors`, after `dispose`).
 */
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

const BOOKKEEPING_METHODS = new Set(['release', 'heldArrays']);

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
  declareValuePlugin(PluginKind.Ignore, 'memory-bookkeeping', {
    /** @param {import('@babel/core').NodePath} path */
    shouldIgnore(path) {
      const method = path.findParent((p) => p.isClassMethod() || p.isObjectMethod());
      const key = method && (method.isClassMethod() || method.isObjectMethod()) ? method.node.key : undefined;
      if (key && key.type === 'Identifier' && BOOKKEEPING_METHODS.has(key.name)) {
        return `memory bookkeeping (${key.name}()): how much a model holds between steps, not a number it computes`;
      }
      return undefined;
    },
  }),
];
