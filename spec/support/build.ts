import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, and its built CLI (conform runs its specs through dist/conform/child.js). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/[\\/]$/, '');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

function newestSource(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => statSync(join(dir, f)).mtimeMs),
  );
}

/** `npm test` builds first (pretest); a direct `npx vitest run` may find dist missing or older than src. */
export function ensureBuilt(): void {
  const child = join(ROOT, 'dist', 'conform', 'child.js');
  if (existsSync(child) && existsSync(CLI) && statSync(child).mtimeMs >= newestSource(join(ROOT, 'src'))) return;
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
}

/**
 * The environment a user's shell gives the CLI: this process's, without the suite's own variables (every
 * MNIST_SPEC_*, and MNIST_DIR, which a spec run may have set), then `extra`.
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('MNIST_SPEC_') || k === 'MNIST_DIR') delete env[k];
  return { ...env, ...extra };
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI in a child process, as a user runs it (environment: userEnv() unless given); SIGKILLed after timeoutMs. */
export function runCli(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliRun> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: options.env ?? userEnv() });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), options.timeoutMs ?? 240_000);
    p.on('close', (status) => {
      clearTimeout(t);
      resolve({ status, stdout, stderr });
    });
  });
}
