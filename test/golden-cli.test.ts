import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `npm run golden` as a user runs it: the script under tsx, in a child process, never writing here.
const repo = fileURLToPath(new URL('..', import.meta.url));

function golden(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base.MNIST_DIR;
  return spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'scripts', 'golden.ts'), ...args], {
    cwd: repo,
    env: { ...base, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('npm run golden', () => {
  it('refuses to train without the full set, naming --data (the embedded split only when asked for)', () => {
    const r = golden([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--data.*MNIST_DIR.*--data embedded/);
  });

  it('rejects an unknown recipe before loading anything', () => {
    const r = golden(['--recipe', '000-scaled', '--data', 'embedded']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--recipe');
    expect(r.stderr).toContain('004-cnn');
  });

  it('--check verifies the committed golden/ without writing', () => {
    const r = golden(['--check']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('golden/ holds');
    expect(r.status).toBe(0);
  });
});
