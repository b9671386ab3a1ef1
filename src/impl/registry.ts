import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ArgumentError } from '../errors.js';
import type { Implementation, ImplementationModule } from './interface.js';
import { isExecSpec } from './remote/exec-spec.js';

/** The shipped implementations, by name. Loaded lazily: naming one must not start the others' runtimes. */
const SHIPPED: Record<string, () => Promise<{ default: ImplementationModule }>> = {
  tfjs: () => import('./tfjs/index.js'),
  engine: () => import('./engine/index.js'),
  onnxruntime: () => import('./onnxruntime/index.js'),
};

export const SHIPPED_IMPLEMENTATIONS: readonly string[] = Object.keys(SHIPPED);

/**
 * Shipped implementations in a process of their own, behind the protocol (src/impl/remote, docs/protocol.md).
 * Loadable by name but not judged by a plain `npm test` (they need Python and torch, and pytorch-defaults is
 * the shipped example of a port that must fail): `mnist-spec conform --impl pytorch` judges them.
 */
const PROCESS: Record<string, () => Promise<{ default: ImplementationModule }>> = {
  pytorch: () => import('./pytorch/index.js'),
  'pytorch-defaults': () => import('./pytorch/defaults.js'),
};
export const PROCESS_IMPLEMENTATIONS: readonly string[] = Object.keys(PROCESS);

/** A name `--impl` accepts without a path: in-process or process implementations. */
export const isShippedName = (name: string): boolean => name in SHIPPED || name in PROCESS;

function isImplementation(v: unknown): v is Implementation {
  const o = v as Implementation | undefined;
  return !!o && typeof o.name === 'string' && typeof o.build === 'function' && typeof o.info === 'function' && !!o.capabilities;
}

/** `name` of a shipped implementation, `exec:<command>` (docs/protocol.md), or a path to a module whose default export is one (or a factory). */
export async function loadImplementation(nameOrPath: string): Promise<Implementation> {
  let mod: { default?: unknown };
  const shipped = SHIPPED[nameOrPath] ?? PROCESS[nameOrPath];
  if (shipped) mod = await shipped();
  else if (isExecSpec(nameOrPath)) return (await import('./remote/exec.js')).execImplementation(nameOrPath);
  else if (/[\\/]|\.[cm]?[jt]s$/.test(nameOrPath)) {
    try {
      mod = (await import(pathToFileURL(resolve(nameOrPath)).href)) as { default?: unknown };
    } catch (e) {
      throw new ArgumentError('--impl', `cannot load module ${nameOrPath}: ${(e as Error).message}`);
    }
  } else {
    throw new ArgumentError('--impl', `"${nameOrPath}" is neither a shipped implementation (${[...SHIPPED_IMPLEMENTATIONS, ...PROCESS_IMPLEMENTATIONS].join(', ')}), an exec: command nor a module path`);
  }
  let impl = mod.default;
  if (typeof impl === 'function') impl = await (impl as () => unknown)();
  if (!isImplementation(impl)) {
    throw new ArgumentError('--impl', `${nameOrPath}: default export is not an Implementation (needs name, capabilities, info(), build())`);
  }
  return impl;
}
