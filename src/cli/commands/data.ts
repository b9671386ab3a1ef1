import type { Command } from 'commander';
import { downloadMnist } from '../../data/download.js';
import { loadData } from '../../data/load.js';
import { summarize, type DataSummary } from '../../data/summary.js';
import { ArgumentError } from '../../errors.js';
import { shapeString } from '../../tensor.js';

interface DataOptions {
  data?: string;
  json?: boolean;
  download?: boolean;
}

function text(s: DataSummary): string {
  const lines = [`source     ${s.source} ${s.location}`, `canonical  ${s.canonical}`];
  if (s.split) lines.push(`split      ${s.split}`);
  for (const [name, part] of [
    ['train', s.train],
    ['test', s.test],
  ] as const) {
    lines.push(`x_${name.padEnd(8)} ${shapeString(part.images.shape)} ${part.images.dtype}`);
    lines.push(`y_${name.padEnd(8)} ${shapeString(part.labels.shape)} ${part.labels.dtype}`);
  }
  lines.push(`labels 0-9 train ${s.train.histogram.join(' ')}`, `           test  ${s.test.histogram.join(' ')}`, 'files');
  const width = Math.max(...s.files.map((f) => f.name.length));
  for (const f of s.files) lines.push(`  ${f.name.padEnd(width)}  ${String(f.bytes).padStart(10)} bytes  sha256 ${f.sha256}`);
  return lines.join('\n') + '\n';
}

/** A bad `data` option is, on the command line, a bad --data flag. */
function asFlagError(e: unknown): never {
  if (e instanceof ArgumentError && e.argument === 'data') throw new ArgumentError('--data', e.detail);
  throw e;
}

/** `mnist-spec data`: what `mnist.load_data()` returns here, and where it came from. */
export function registerData(program: Command): void {
  program
    .command('data')
    .description('Load MNIST as Keras mnist.load_data() does; print shapes, dtypes, label histograms and provenance')
    .option('--data <DIR|embedded>', 'a directory of the four IDX files (gzip or raw), or "embedded" (default: MNIST_DIR, then the Keras cache, then embedded)')
    .option('--json', 'print one JSON object')
    .option('--download', "first download Keras's mnist.npz into $KERAS_HOME/datasets (checked against its sha256)")
    .action(async (opts: DataOptions) => {
      if (opts.download) {
        const d = await downloadMnist();
        process.stderr.write(`downloaded ${d.url} to ${d.path} (${d.bytes} bytes, sha256 ${d.sha256})\n`);
      }
      const summary = summarize(await loadData(opts.data === undefined ? {} : { data: opts.data }).catch(asFlagError));
      process.stdout.write(opts.json ? JSON.stringify(summary) + '\n' : text(summary));
    });
}
