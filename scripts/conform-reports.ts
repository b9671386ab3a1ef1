/**
 * `npm run conform:reports`: the reference conformance reports of every shipped implementation with the registry's
 * `reference-report` role (reports/<name>/), those of the shipped examples that must fail (`caught-example`), then the
 * fault sweep (reports/faults/). Each is the built CLI run as a user runs it; MNIST_DIR should name the full set, so
 * the reports carry its specs. The browser implementations run in headless Chromium (`--browser chromium`,
 * docs/browser.md): on a machine without a GPU their WebGL and WebGPU are SwiftShader on the CPU, the slowest of these runs.
 *
 *   npm run conform:reports [-- name …]     (default: every implementation with the role)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runsIn, withRole } from '../src/impl/registry.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = (args: string[]): number => {
  process.stdout.write(`\n$ mnist-spec ${args.join(' ')}\n`);
  return spawnSync(process.execPath, ['dist/cli/main.js', ...args], { cwd: root, stdio: 'inherit' }).status ?? 1;
};

const chosen = process.argv.slice(2);
const names = chosen.length ? withRole('reference-report').filter((n) => chosen.includes(n)) : withRole('reference-report');
const unknown = chosen.filter((n) => n !== 'faults' && !names.includes(n));
if (unknown.length) throw new Error(`not an implementation with the reference-report role: ${unknown.join(', ')}`);
let failed = 0;
for (const name of names) failed += cli(['conform', ...(runsIn(name) === 'browser' ? ['--browser', 'chromium'] : []), '--impl', name]) === 0 ? 0 : 1;
// A shipped example of a port that must not conform: exit 1 (does not conform) is its expected verdict.
if (!chosen.length) for (const name of withRole('caught-example')) failed += cli(['conform', '--impl', name]) === 1 ? 0 : 1;
if (!chosen.length || chosen.includes('faults')) failed += cli(['conform', 'faults']) === 0 ? 0 : 1;
process.exitCode = failed ? 1 : 0;
