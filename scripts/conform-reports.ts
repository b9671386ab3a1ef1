/**
 * `npm run conform:reports`: the reference conformance reports of every shipped implementation with the registry's
 * `reference-report` role (reports/<name>/), those of the shipped examples that must fail (`caught-example`), then the
 * fault sweep (reports/faults/). Each is the built CLI run as a user runs it; MNIST_DIR should name the full set, so
 * the reports carry its specs. The browser implementations run in headless Chromium (`--browser chromium`,
 * docs/browser.md): on a machine without a GPU their WebGL and WebGPU are SwiftShader on the CPU, the slowest of these runs.
 *
 *   npm run conform:reports [-- name …]     (default: all of them; `faults` names the fault sweep)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runsIn, withRole } from '../src/impl/registry.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = (args: string[]): number => {
  process.stdout.write(`\n$ mnist-spec ${args.join(' ')}\n`);
  return spawnSync(process.execPath, ['dist/cli/main.js', ...args], { cwd: root, stdio: 'inherit' }).status ?? 1;
};

/**
 * Queries of the reports that cannot run the whole fast tier here: WebGL and WebGPU on SwiftShader (no GPU) train the
 * CNN at ~3 samples/s, so the notebook outcomes' trainings (004-cnn: 8,000 samples) outlast their 15-minute budget and
 * the MLP ones take minutes each (tfjs-webgl passed 000–003's in a run stopped after 14 min). Every other spec runs:
 * 2 min on WebGL, 6 on WebGPU.
 */
const SOFTWARE_RENDERED = ['model:*', 'inference:*', 'golden:*', 'keras:*', 'train:*'];
const QUERIES: Record<string, readonly string[]> = { 'tfjs-webgl': SOFTWARE_RENDERED, 'tfjs-webgpu': SOFTWARE_RENDERED };

// Each with the exit its report must have: 0 conforms; 1 does not (a port shipped to be caught).
const runs: { name: string; exit: number }[] = [
  ...withRole('reference-report').map((name) => ({ name, exit: 0 })),
  ...withRole('caught-example').map((name) => ({ name, exit: 1 })),
];
const chosen = process.argv.slice(2);
const unknown = chosen.filter((n) => n !== 'faults' && !runs.some((r) => r.name === n));
if (unknown.length) throw new Error(`no report is kept for: ${unknown.join(', ')} (names: ${runs.map((r) => r.name).join(', ')}, faults)`);

let failed = 0;
for (const { name, exit } of runs.filter((r) => !chosen.length || chosen.includes(r.name))) {
  const browser = runsIn(name) === 'browser' ? ['--browser', 'chromium'] : [];
  const queries = (QUERIES[name] ?? []).flatMap((q) => ['--query', q]);
  failed += cli(['conform', ...browser, '--impl', name, ...queries]) === exit ? 0 : 1;
}
if (!chosen.length || chosen.includes('faults')) failed += cli(['conform', 'faults']) === 0 ? 0 : 1;
process.exitCode = failed ? 1 : 0;
