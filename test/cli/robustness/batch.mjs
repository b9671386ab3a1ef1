// The robustness suite's in-process runner: one Node process imports the BUILT CLI (dist/cli/cli.js) and
// runs many command lines through its runCli, each with its own cwd and environment, capturing what each
// writes to stdout and stderr. Spawning Node per case costs ~0.3 s; this costs milliseconds per case.
//
//   node test/cli/robustness/batch.mjs cases.json results.json
//
// cases.json: [{ id, argv: [...], cwd, env: { NAME: value | null } }]. results.json: { results: [{ id, code,
// stdout, stderr, threw, ms }], maxRssBytes } — maxRSS of this whole process, an upper bound for every case.
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { URL } from 'node:url';

const [casesFile, resultsFile] = process.argv.slice(2);
const { runCli } = await import(new URL('../../../dist/cli/cli.js', import.meta.url).href);
const cases = JSON.parse(readFileSync(casesFile, 'utf8'));
const results = [];
const out = process.stdout.write.bind(process.stdout);
const err = process.stderr.write.bind(process.stderr);
for (const c of cases) {
  const saved = {};
  for (const [k, v] of Object.entries(c.env ?? {})) {
    saved[k] = process.env[k];
    if (v === null) delete process.env[k];
    else process.env[k] = v;
  }
  const cwd = process.cwd();
  if (c.cwd) process.chdir(c.cwd);
  let stdout = '';
  let stderr = '';
  process.stdout.write = (chunk, ...rest) => ((stdout += String(chunk)), typeof rest.at(-1) === 'function' && rest.at(-1)(), true);
  process.stderr.write = (chunk, ...rest) => ((stderr += String(chunk)), typeof rest.at(-1) === 'function' && rest.at(-1)(), true);
  let code;
  let threw;
  const started = performance.now();
  try {
    code = await runCli(['node', 'mnist-spec', ...c.argv]);
  } catch (e) {
    // runCli must never throw: every ending maps to an exit code. Recorded so the suite fails on it.
    threw = String(e?.stack ?? e);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.chdir(cwd);
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  results.push({
    id: c.id,
    ms: Math.round(performance.now() - started),
    code,
    stdout: stdout.slice(0, 20_000),
    stderr: stderr.slice(0, 20_000),
    ...(threw ? { threw } : {}),
  });
}
writeFileSync(resultsFile, JSON.stringify({ results, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
// Runtimes a case loaded (onnxruntime threads, TF.js) must not keep the process alive.
process.exit(0);
