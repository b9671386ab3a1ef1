import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '../src/errors.js';
import { getRecipe } from '../src/recipes/index.js';
import { keepFullTierRun, readFullTierRecords } from '../src/reproduce/full-tier.js';
import type { RunRecord } from '../src/reproduce/run.js';
import { machineInfo } from '../src/util/machine.js';
import { resolveOptimizer } from '../src/train/config.js';

// What the full tier keeps of each training (reports/full-tier/), on made-up runs: no training here.
const scratch = mkdtempSync(join(tmpdir(), 'full-tier-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function record(recipeId: string, accuracy: number, misclassified?: RunRecord['misclassified']): RunRecord {
  const recipe = getRecipe(recipeId);
  return {
    kind: 'mnist-spec/run',
    suiteVersion: '0.0.0',
    recipe: { id: recipe.id, notebook: recipe.notebook, title: recipe.title },
    implementation: { name: 'engine', version: '9.9.9', backend: 'onnxruntime-cpu' },
    data: { source: 'directory', location: '/mnist', canonical: true, counts: { train: 60000, test: 10000 }, files: [] },
    seed: 1,
    budget: { ...recipe.training, optimizer: resolveOptimizer(recipe.training.optimizer) },
    notebookEpochs: recipe.training.epochs,
    history: { trainSamples: 60000, valSamples: 10000, epochs: [{ epoch: 0, loss: 0.1, acc: 0.97, seconds: 40 }] },
    test: { loss: 0.05, accuracy, samples: 4, saturatedWrongShare: 0 },
    ...(recipe.printed ? { printed: recipe.printed } : {}),
    ...(misclassified ? { misclassified } : {}),
    wallSeconds: 42.4,
    startedAt: '2025-01-02T03:04:05.000Z',
    machine: machineInfo(),
  };
}

describe('full tier records', () => {
  it('keeps the record and the notebook files, and renders the README table from the records', async () => {
    const labels = [7, 2, 1, 0];
    await keepFullTierRun(scratch, getRecipe('004-cnn'), { record: record('004-cnn', 0.75), predictions: Uint8Array.from([7, 2, 1, 6]) }, labels);
    const miss = { among: 784, samples: [{ index: 3, actual: 0, predicted: 6 }] };
    await keepFullTierRun(scratch, getRecipe('003'), { record: record('003', 0.75, miss), predictions: Uint8Array.from([7, 2, 1, 6]) }, labels);

    expect(readdirSync(join(scratch, 'engine')).sort()).toEqual(['003.json', '003.misclassified.txt', '004-cnn.json', '004-cnn.output_cnn.csv']);
    expect(readFileSync(join(scratch, 'engine', '004-cnn.output_cnn.csv'), 'utf8')).toBe('Actual,Predictions\n7,7\n2,2\n1,1\n0,6\n');
    expect(readFileSync(join(scratch, 'engine', '003.misclassified.txt'), 'utf8')).toBe(
      'test sample number  3  is incorrect, model predicted  6 actual was 0\n',
    );
    const readme = readFileSync(join(scratch, 'README.md'), 'utf8').split('\n');
    expect(readme).toContain(
      '| 003 | 20 | acc 0.9764, loss 0.1212 | acc 0.7500, loss 0.0500 | fails | 40.0 | 42 s | engine 9.9.9 (onnxruntime-cpu) | 1 | 2025-01-02 |',
    );
    expect(readme).toContain('| 004-cnn | 1 | acc 0.9812 | acc 0.7500, loss 0.0500 | fails | 40.0 | 42 s | engine 9.9.9 (onnxruntime-cpu) | 1 | 2025-01-02 |');
  });

  it('refuses a JSON file that is not a run record, naming it', async () => {
    writeFileSync(join(scratch, 'engine', 'stray.json'), '{"kind":"something-else"}');
    const e = await readFullTierRecords(scratch).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(DataFormatError);
    expect((e as Error).message).toContain('stray.json');
  });
});
