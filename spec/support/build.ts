import { spawnSync } from 'node:child_process';
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
