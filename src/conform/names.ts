import { basename, dirname } from 'node:path';
import { SHIPPED_IMPLEMENTATIONS } from '../impl/registry.js';

/**
 * The name an implementation's specs are registered under (`<name> > <spec id>`): a shipped name, or a
 * module's base name without extension — the directory's name for an `index` module, so
 * examples/minimal-adapter/index.ts is "minimal-adapter".
 */
export function implementationName(nameOrPath: string): string {
  if (SHIPPED_IMPLEMENTATIONS.includes(nameOrPath)) return nameOrPath;
  const base = basename(nameOrPath).replace(/\.[cm]?[jt]s$/, '');
  return base === 'index' ? basename(dirname(nameOrPath)) : base;
}
