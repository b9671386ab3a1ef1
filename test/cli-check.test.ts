import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../src/check/index.js';
import { exportOnnx } from '../src/onnx/export.js';
import { getRecipe } from '../src/recipes/index.js';
import { CLI, ensureBuilt, ROOT } from '../spec/support/build.js';
import { loadManifest, loadTrainedWeights } from '../spec/support/trained-weights.js';
import { KERAS_FIXTURES, KERAS_FIXTURES_DIR } from '../spec/support/keras/fixtures.js';
import { kerasH5Bytes } from '../spec/support/keras/write.js';

/**
 * `mnist-spec check` as a user runs it: the built CLI in a child process. The fast cases use the project's
 * own trained 001 weights (fixtures/weights/001-embedded-v1) written as a Keras `save_weights` .h5 and as
 * ONNX, on the embedded data; the real Keras 2.2.2 weights (../shared/keras, MNIST_SPEC_KERAS_WEIGHTS)
 * are checked against Keras's printed evaluation when they and the full set (MNIST_DIR) are present.
 */
const scratch = mkdtempSync(join(tmpdir(), 'mnist-spec-check-'));
const WEIGHTS_H5 = join(scratch, '001-embedded.weights.h5');
const MODEL_ONNX = join(scratch, '001-embedded.onnx');
const REAL = process.env.MNIST_SPEC_KERAS_WEIGHTS ?? join(ROOT, '..', 'shared', 'keras', 'mnist_mlp_keras2', 'mnist_mlp.h5');

beforeAll(async () => {
  ensureBuilt();
  const arch = getRecipe(loadManifest().recipe).arch;
  const weights = loadTrainedWeights();
  writeFileSync(WEIGHTS_H5, await kerasH5Bytes(arch, weights));
  writeFileSync(MODEL_ONNX, exportOnnx(arch, weights, { embedArchitecture: false }));
}, 120_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const base: NodeJS.ProcessEnv = { ...process.env, KERAS_HOME: join(scratch, 'no-keras-home') };
  delete base.MNIST_DIR;
  return spawnSync(process.execPath, [CLI, 'check', ...args], { env: { ...base, ...env }, encoding: 'utf8', timeout: 120_000 });
}

function json(args: string[]): { status: number | null; result: CheckResult } {
  const r = run([...args, '--json']);
  expect(r.stderr).toBe('');
  return { status: r.status, result: JSON.parse(r.stdout) as CheckResult };
}

const statuses = (r: CheckResult): Record<string, string> => Object.fromEntries(r.claims.map((c) => [c.id, c.status]));

describe('mnist-spec check', () => {
  it('passes a Keras save_weights file of recipe 001 on the embedded data, with tfjs and onnxruntime agreeing', () => {
    const { status, result } = json([WEIGHTS_H5, '--recipe', '001', '--data', 'embedded']);
    expect(statuses(result)).toEqual({
      'check:input-shape': 'pass',
      'check:output-shape': 'pass',
      'check:param-count:recipe=001': 'pass',
      'check:probabilities': 'pass',
      'check:accuracy:impl=tfjs': 'pass',
      'check:accuracy:impl=onnxruntime': 'pass',
      'check:agreement:a=tfjs;b=onnxruntime': 'pass',
    });
    // Each verdict names the claim it holds the model to, as a spec does: the accuracy one is notebook 001's printed line.
    expect(result.claims.every((c) => c.claim.source && c.claim.quote)).toBe(true);
    expect(result.claims.find((c) => c.id === 'check:accuracy:impl=tfjs')!.claim).toEqual({
      source: expect.stringMatching(/^seeds\/001_/),
      quote: 'Test accuracy: 0.9842',
    });
    expect(status).toBe(0);
    expect(result).toMatchObject({
      ok: true,
      model: { format: 'keras-hdf5', architecture: 'recipe', kerasVersion: '2.2.4', params: { total: 669_706 } },
      data: { source: 'embedded', canonical: false, testSamples: 2000 },
    });
    const [tfjs, ort] = result.implementations;
    // The reference evaluation of these weights (fixtures/weights/001-embedded-v1/reference.json).
    const ref = loadManifest().evaluations.find((e) => e.data === 'embedded')!;
    expect(tfjs!.accuracy).toBeCloseTo(ref.accuracy, 3);
    expect(ort!.accuracy).toBeCloseTo(ref.accuracy, 3);
  });

  it('checks an ONNX model, its architecture from the graph, and prints the verdicts as text', () => {
    const r = run([MODEL_ONNX, '--recipe', '001', '--data', 'embedded', '--impl', 'onnxruntime']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('(ONNX, architecture from the file)');
    expect(r.stdout).toMatch(/PASS {2}check:param-count:recipe=001 +669,706 parameters; recipe 001 has 669,706/);
    expect(r.stdout).toMatch(/SKIP {2}check:agreement +needs two implementations that ran, 1 did/);
    expect(r.stdout).toContain('the embedded embedded-v1 test split');
    expect(r.stdout).toContain('verdict: every claim holds (5 checked, 1 skipped)');
  });

  it('exits 1 when a claim fails: a model that does not take MNIST images', () => {
    const tiny = KERAS_FIXTURES.find((f) => f.file === 'tiny-cnn.model.h5')!;
    const { status, result } = json([join(KERAS_FIXTURES_DIR, tiny.file), '--data', 'embedded']);
    expect(status).toBe(1);
    expect(statuses(result)).toMatchObject({
      'check:input-shape': 'fail',
      'check:output-shape': 'fail',
      'check:param-count': 'skip',
      'check:probabilities': 'skip',
      'check:accuracy': 'skip',
    });
    expect(result.model).toMatchObject({ architecture: 'file', inputShape: [36], outputShape: [3] });
  });

  it('exits 2 for a weights-only file without --recipe, an unknown recipe, a damaged file, a missing file', () => {
    const noRecipe = run([WEIGHTS_H5, '--data', 'embedded']);
    expect(noRecipe.status).toBe(2);
    expect(noRecipe.stderr).toMatch(/^mnist-spec: --recipe: 001-embedded.weights.h5 holds weights only/);
    const badRecipe = run([WEIGHTS_H5, '--recipe', '042']);
    expect(badRecipe.status).toBe(2);
    expect(badRecipe.stderr).toContain('mnist-spec: --recipe: unknown recipe "042"');
    const damaged = join(scratch, 'damaged.h5');
    writeFileSync(damaged, readFileSync(WEIGHTS_H5).subarray(0, 4096));
    const d = run([damaged, '--recipe', '001', '--data', 'embedded']);
    expect(d.status).toBe(2);
    expect(d.stderr).toMatch(/^mnist-spec: damaged.h5: hdf5: libhdf5: /);
    expect(d.stderr).not.toMatch(/\n\s+at /);
    const missing = run([join(scratch, 'nowhere.onnx')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('nowhere.onnx: no such file');
  });

  it.skipIf(!existsSync(REAL) || !process.env.MNIST_DIR)('prints Keras 2.2.2’s own evaluation for the real mnist_mlp.h5 and matches it', () => {
    const r = run([REAL, '--recipe', '001', '--data', process.env.MNIST_DIR!]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/impl {4}tfjs .*accuracy 0\.9831 {2}loss 0\.11620/);
    expect(r.stdout).toMatch(/impl {4}onnxruntime .*accuracy 0\.9831 {2}loss 0\.11620/);
    expect(r.stdout).toMatch(/PASS {2}check:keras-printed:impl=tfjs/);
    expect(r.stdout).toMatch(/PASS {2}check:keras-printed:impl=onnxruntime/);
    expect(r.stdout).toMatch(/PASS {2}check:agreement:a=tfjs;b=onnxruntime/);
  });
});
