import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { runConformanceOfMany } from '../../src/conform/run.js';
import { ensureBuilt } from '../../spec/support/build.js';

/**
 * pytorch-defaults is the shipped example of the commonest porting mistake: the same PyTorch model code as
 * pytorch with PyTorch's defaults where Keras's differ. One spec per difference (the full list of what
 * catches it is reports/pytorch-defaults/): pytorch must pass each, pytorch-defaults must fail each. Both in
 * one run of the specs (their files once, both implementations in each), where torch is installed.
 */
const PYTHON = process.env.MNIST_SPEC_PYTHON ?? '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import numpy, torch'], { stdio: 'ignore' }).status === 0;

const CATCHERS: Record<string, string> = {
  'model:weights:initial:recipe=001': 'Kaiming-uniform kernels and non-zero biases',
  'train:optimizer:rmsprop:defaults': 'torch.optim.RMSprop: lr 0.01, alpha 0.99, eps 1e-8',
  'train:optimizer:adam:epsilon': 'torch.optim.Adam: eps 1e-8 added after the bias correction',
  'train:loss:crossentropy-clip:saturated-wrong': 'cross-entropy on the logits: no clip',
  'train:batchnorm:moving-statistics:input=dense': 'BatchNorm momentum 0.1, unbiased running variance, no zero-debias',
  'inference:forward:recipe=004-cnn': 'BatchNorm epsilon 1e-5',
};

beforeAll(() => ensureBuilt());

describe.skipIf(!hasTorch)('pytorch and pytorch-defaults on the specs that catch the difference', () => {
  it('pytorch passes them; pytorch-defaults fails every one', async () => {
    const env = { ...process.env };
    delete env.MNIST_DIR;
    const [keras, defaults] = await runConformanceOfMany({ impls: ['pytorch', 'pytorch-defaults'], queries: Object.keys(CATCHERS), data: 'embedded', env });
    const statuses = (r: typeof keras) => Object.fromEntries(r!.specs.map((s) => [s.id, s.status]));
    expect(statuses(keras)).toEqual(Object.fromEntries(Object.keys(CATCHERS).map((id) => [id, 'pass'])));
    expect(statuses(defaults)).toEqual(Object.fromEntries(Object.keys(CATCHERS).map((id) => [id, 'fail'])));
  }, 300_000);
});
