/**
 * `--impl exec:…`: how a user names a program that speaks the protocol on its stdin/stdout. Three forms
 * (docs/protocol.md "Running an implementation"):
 *
 *   exec:python3 my_impl.py --flag          a command line, split into words as a POSIX shell would
 *                                            ('…', "…", \ escapes; leading NAME=value words set the
 *                                            environment), with no shell: no $VAR, globs, pipes or ~
 *   exec:["python3", "my impl.py"]           the argument vector as a JSON array
 *   exec:{"argv": […], "env": {…}, "cwd": "…", "name": "…", "timeoutSeconds": 45, "startTimeoutSeconds": 60}
 *
 * Pure (no Node APIs): the name an exec implementation is registered under is derived here, at spec
 * collection time, before any process starts.
 */
import { ArgumentError } from '../../errors.js';

export const EXEC_PREFIX = 'exec:';

export interface ExecSpec {
  argv: string[];
  env: Record<string, string>;
  cwd?: string;
  /** The name its specs are registered under. */
  name: string;
  timeoutMs?: number;
  helloTimeoutMs?: number;
}

export const isExecSpec = (s: string): boolean => s.startsWith(EXEC_PREFIX);

/** POSIX-shell word splitting without expansion. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const bad = (why: string): never => {
    throw new ArgumentError('--impl', `exec: ${why} in: ${line}`);
  };
  while (i < line.length) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) bad('unterminated single quote');
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      inWord = true;
      for (;;) {
        if (i >= line.length) bad('unterminated double quote');
        const d = line[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1]!)) {
          word += line[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      i++;
    } else if (c === '\\') {
      if (i + 1 >= line.length) bad('trailing backslash');
      word += line[i + 1];
      inWord = true;
      i += 2;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

const SCRIPT = /\.(py|pyw|js|mjs|cjs|ts|jl|r|rb|pl|lua|sh|exe)$/i;

/** `exec:python3 examples/numpy-mlp/numpy_mlp.py` → `numpy_mlp`: the script's base name, else the program's. */
export function execName(argv: readonly string[]): string {
  const base = (p: string): string => p.split(/[\\/]/).filter(Boolean).pop() ?? p;
  const strip = (p: string): string => base(p).replace(SCRIPT, '');
  const script = [...argv.slice(1)].reverse().find((a) => !a.startsWith('-') && (SCRIPT.test(a) || /[\\/]/.test(a)));
  let name = script ? strip(script) : strip(argv[0] ?? 'exec');
  if (script && ['index', 'main', '__main__'].includes(name)) name = base(script.split(/[\\/]/).slice(0, -1).join('/')) || name;
  return name.replace(/[^A-Za-z0-9._-]/g, '-') || 'exec';
}

function positiveSeconds(v: unknown, field: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v > 0)) throw new ArgumentError(`--impl exec:{…}.${field}`, `must be a positive number of seconds, got ${JSON.stringify(v)}`);
  return v * 1000;
}

export function parseExecSpec(given: string): ExecSpec {
  if (!isExecSpec(given)) throw new ArgumentError('--impl', `"${given}" does not start with ${EXEC_PREFIX}`);
  const body = given.slice(EXEC_PREFIX.length).trim();
  let argv: string[];
  const env: Record<string, string> = {};
  let extra: Partial<ExecSpec> = {};
  if (body.startsWith('[') || body.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (e) {
      throw new ArgumentError('--impl', `exec: not valid JSON (${(e as Error).message}): ${body}`);
    }
    if (Array.isArray(json)) argv = json as string[];
    else {
      const o = json as Record<string, unknown>;
      const known = ['argv', 'command', 'env', 'cwd', 'name', 'timeoutSeconds', 'startTimeoutSeconds'];
      const unknown = Object.keys(o).filter((k) => !known.includes(k));
      if (unknown.length) throw new ArgumentError('--impl', `exec:{…}: unknown field ${unknown.join(', ')} (fields: ${known.join(', ')})`);
      if (o.argv !== undefined && o.command !== undefined) throw new ArgumentError('--impl', 'exec:{…}: give "argv" or "command", not both');
      if (typeof o.command === 'string') argv = splitCommandLine(o.command);
      else argv = o.argv as string[];
      if (o.env !== undefined) {
        if (!o.env || typeof o.env !== 'object' || Array.isArray(o.env) || !Object.values(o.env).every((v) => typeof v === 'string')) {
          throw new ArgumentError('--impl exec:{…}.env', 'must be an object of strings');
        }
        Object.assign(env, o.env);
      }
      if (o.cwd !== undefined && typeof o.cwd !== 'string') throw new ArgumentError('--impl exec:{…}.cwd', 'must be a string');
      if (o.name !== undefined && (typeof o.name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(o.name))) {
        throw new ArgumentError('--impl exec:{…}.name', `must be letters, digits, ".", "_" or "-", got ${JSON.stringify(o.name)}`);
      }
      const timeoutMs = positiveSeconds(o.timeoutSeconds, 'timeoutSeconds');
      const helloTimeoutMs = positiveSeconds(o.startTimeoutSeconds, 'startTimeoutSeconds');
      extra = {
        ...(typeof o.cwd === 'string' ? { cwd: o.cwd } : {}),
        ...(typeof o.name === 'string' ? { name: o.name } : {}),
        ...(timeoutMs ? { timeoutMs } : {}),
        ...(helloTimeoutMs ? { helloTimeoutMs } : {}),
      };
    }
    if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string'))
      throw new ArgumentError('--impl', 'exec: the argument vector must be an array of strings');
  } else {
    argv = splitCommandLine(body);
    // Leading NAME=value words are environment assignments, as in a shell.
    while (argv.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0]!)) {
      const w = argv.shift()!;
      env[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
    }
  }
  if (!argv.length || !argv[0]) throw new ArgumentError('--impl', `exec: no command given: "${given}"`);
  return { argv, env, name: extra.name ?? execName(argv), ...extra };
}
