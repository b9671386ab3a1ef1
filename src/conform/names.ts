import { basename, dirname } from 'node:path';
import { isShippedName } from '../impl/registry.js';
import { isExecSpec, parseExecSpec } from '../impl/remote/exec-spec.js';

/**
 * The name an implementation's specs are registered under (`<name> > <spec id>`): a shipped name, or a
 * module's base name without extension — the directory's name for an `index` module, so
 * examples/minimal-adapter/index.ts is "minimal-adapter"; for `exec:…` its script's base name or the name it gives.
 */
export function implementationName(nameOrPath: string): string {
  if (isShippedName(nameOrPath)) return nameOrPath;
  if (isExecSpec(nameOrPath)) return parseExecSpec(nameOrPath).name;
  const base = basename(nameOrPath).replace(/\.[cm]?[jt]s$/, '');
  return base === 'index' ? basename(dirname(nameOrPath)) : base;
}
