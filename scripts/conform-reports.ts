/**
 * `npm run conform:reports`: the reference conformance reports of every shipped implementation with the registry's
 * `reference-report` role (reports/<name>/), those of the shipped examples that must fail (`caught-example`), then the fault sweep (reports/faults/). Each is the built CLI run as a
 * user runs it; MNIST_DIR should name the full set, so the reports carry its specs.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withRole } from '../src/impl/registry.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = (args: string[]): number => {
  process.stdout.write(`\n$ mnist-spec ${args.join(' ')}\n`);
  return spawnSync(process.execPath, ['dist/cli/main.js', ...args], { cwd: root, stdio: 'inherit' }).status ?? 1;
};

let failed = 0;
for (const name of withRole('reference-report')) failed += cli(['conform', '--impl', name]) === 0 ? 0 : 1;
// A shipped example of a port that must not conform: exit 1 (does not conform) is its expected verdict.
for (const name of withRole('caught-example')) failed += cli(['conform', '--impl', name]) === 1 ? 0 : 1;
failed += cli(['conform', 'faults']) === 0 ? 0 : 1;
process.exitCode = failed ? 1 : 0;
