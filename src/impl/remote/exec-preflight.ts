/**
 * Before a conformance run starts its spec runner: an `exec:` command whose program cannot be found is bad
 * usage (exit 2, one line naming it), not eighty failed specs; and since the specs run in worker processes
 * whose directory is the package root, a relative script path is pinned to the directory conform was run in.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { ArgumentError } from '../../errors.js';
import { EXEC_PREFIX, parseExecSpec } from './exec-spec.js';

/** The program as the child process will find it, or undefined. */
export function findProgram(program: string, cwd: string, pathVar = process.env.PATH ?? ''): string | undefined {
  const executable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (program.includes('/') || program.includes('\\')) {
    const p = isAbsolute(program) ? program : resolve(cwd, program);
    return existsSync(p) && executable(p) ? p : undefined;
  }
  for (const dir of pathVar.split(delimiter).filter(Boolean)) {
    const p = join(dir, program);
    if (existsSync(p) && executable(p)) return p;
  }
  return undefined;
}

/** `exec:…` as the spec runner must see it: checked, in the JSON form, with its working directory made absolute. */
export function execSpecForRunner(given: string, cwd = process.cwd()): string {
  const spec = parseExecSpec(given);
  const dir = spec.cwd ? resolve(cwd, spec.cwd) : cwd;
  const program = spec.argv[0]!;
  if (!findProgram(program, dir, spec.env.PATH)) {
    throw new ArgumentError('--impl', `exec: cannot find the program "${program}"${program.includes('/') ? ` (from ${dir})` : ' on PATH'}`);
  }
  return (
    EXEC_PREFIX +
    JSON.stringify({
      argv: spec.argv,
      ...(Object.keys(spec.env).length ? { env: spec.env } : {}),
      cwd: dir,
      name: spec.name,
      ...(spec.timeoutMs ? { timeoutSeconds: spec.timeoutMs / 1000 } : {}),
      ...(spec.helloTimeoutMs ? { startTimeoutSeconds: spec.helloTimeoutMs / 1000 } : {}),
    })
  );
}
