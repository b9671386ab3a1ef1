import { readFile, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { readmeTable, type BenchReport } from './report.js';

/**
 * `npm run bench:readme -- reports/bench/<date>.json`: the README's bench table, rendered from a committed
 * report, written between the `<!-- bench:start -->` and `<!-- bench:end -->` markers of README.md (or
 * printed with --print), so the README's ratios are always a report's.
 */
const args = process.argv.slice(2);
const print = args.includes('--print');
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  process.stderr.write('usage: npm run bench:readme -- reports/bench/<date>.json [--print]\n');
  process.exit(2);
}
let report: BenchReport;
try {
  report = JSON.parse(await readFile(file, 'utf8')) as BenchReport;
} catch (e) {
  process.stderr.write(`bench:readme: ${file}: ${(e as Error).message}\n`);
  process.exit(2);
}
if (report.kind !== 'mnist-spec/bench' || report.schemaVersion !== 2) {
  process.stderr.write(`bench:readme: ${file}: not a bench report of schema version 2 (written by this npm run bench)\n`);
  process.exit(2);
}
const root = resolve(import.meta.dirname, '..');
const table = readmeTable(report, relative(root, resolve(file)));
if (print) {
  process.stdout.write(table + '\n');
} else {
  const readme = resolve(root, 'README.md');
  const text = await readFile(readme, 'utf8');
  const start = text.indexOf('<!-- bench:start -->');
  const end = text.indexOf('<!-- bench:end -->');
  if (start < 0 || end < start) {
    process.stderr.write('bench:readme: README.md has no <!-- bench:start --> … <!-- bench:end --> block; use --print\n');
    process.exit(2);
  }
  await writeFile(readme, `${text.slice(0, start)}<!-- bench:start -->\n${table}\n${text.slice(end)}`);
  process.stdout.write(`README.md: bench table from ${file}\n`);
}
