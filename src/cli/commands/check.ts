import type { Command } from 'commander';
import { DEFAULT_IMPLEMENTATIONS, runCheck, type CheckResult } from '../../check/index.js';
import { ArgumentError } from '../../errors.js';
import { RECIPES } from '../../recipes/index.js';
import { shapeString } from '../../tensor.js';

interface CheckFlags {
  recipe?: string;
  data?: string;
  impl?: string;
  json?: boolean;
}

const MARK = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

function text(r: CheckResult): string {
  const m = r.model;
  const lines = [
    `model   ${m.file} (${m.format === 'onnx' ? 'ONNX' : `Keras HDF5${m.kerasVersion ? ` ${m.kerasVersion}` : ''}`}, architecture from ${m.architecture === 'file' ? 'the file' : `recipe ${r.recipe?.id}`})`,
    `        sha256 ${m.sha256}, ${m.params.total.toLocaleString('en-US')} parameters, input ${shapeString(m.inputShape)}, output ${shapeString(m.outputShape)}`,
  ];
  if (r.recipe)
    lines.push(
      `recipe  ${r.recipe.id}: ${r.recipe.title}${r.recipe.printed ? ` (notebook printed accuracy ${r.recipe.printed.accuracy}${r.recipe.printed.loss !== undefined ? `, loss ${r.recipe.printed.loss}` : ''})` : ''}`,
    );
  if (r.known) lines.push(`known   this file's own evaluation, ${r.known.by}: accuracy ${r.known.printed.accuracy}, loss ${r.known.printed.loss}`);
  lines.push(`data    ${r.data.note}`);
  for (const i of r.implementations) {
    const head = `impl    ${`${i.name}${i.backend ? ` (${i.backend})` : ''}`.padEnd(32)}`;
    if (i.status !== 'ran') lines.push(`${head}${i.status}: ${i.reason}`);
    else {
      const keras = r.known && r.data.canonical ? `   Keras printed accuracy ${r.known.printed.accuracy}, loss ${r.known.printed.loss.toFixed(5)}` : '';
      lines.push(`${head}accuracy ${i.accuracy!.toFixed(4)}  loss ${i.loss!.toFixed(5)}${keras}`);
    }
  }
  lines.push('claims');
  const width = Math.max(...r.claims.map((c) => c.id.length));
  for (const c of r.claims) lines.push(`  ${MARK[c.status]}  ${c.id.padEnd(width)}  ${c.detail}`);
  const failed = r.claims.filter((c) => c.status === 'fail');
  const skipped = r.claims.filter((c) => c.status === 'skip').length;
  lines.push(
    failed.length
      ? `verdict: ${failed.length} of ${r.claims.length} claims fail (${failed.map((c) => c.id).join(', ')})`
      : `verdict: every claim holds (${r.claims.length - skipped} checked${skipped ? `, ${skipped} skipped` : ''})`,
  );
  return lines.join('\n') + '\n';
}

/** `mnist-spec check <model>`: verdicts on a model someone brings. Exit 0 all hold, 1 a claim fails, 2 bad usage or file. */
export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('check a trained model (ONNX or Keras .h5): shapes, parameter count, probabilities, accuracy, agreement between implementations')
    .argument('<model>', 'model.onnx, or a Keras .h5 (model.save, or model.save_weights with --recipe)')
    .option('--recipe <id>', `the recipe the model claims to be (${[...RECIPES.keys()].join(', ')}); needed for a weights-only .h5`)
    .option('--data <DIR|embedded>', 'MNIST directory of IDX files, or "embedded" (default: MNIST_DIR, the Keras cache, then embedded)')
    .option('--impl <names>', `comma-separated implementations to run it with (default ${DEFAULT_IMPLEMENTATIONS.join(',')})`)
    .option('--json', 'print the result as one JSON object')
    .action(async (model: string, flags: CheckFlags) => {
      const impls = flags.impl
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (impls && !impls.length) throw new ArgumentError('--impl', 'names no implementation');
      const result = await runCheck({
        model,
        ...(flags.recipe !== undefined ? { recipe: flags.recipe } : {}),
        ...(flags.data !== undefined ? { data: flags.data } : {}),
        ...(impls ? { impls } : {}),
        ...(flags.json ? {} : { log: (line: string) => void process.stderr.write(`${line}\n`) }),
      });
      process.stdout.write(flags.json ? JSON.stringify(result, null, 2) + '\n' : text(result));
      if (!result.ok) process.exitCode = 1;
    });
}
