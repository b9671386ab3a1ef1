import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Architecture } from '../../src/arch/types.js';
import { ArgumentError } from '../../src/errors.js';
import { ProtocolError, RemoteError } from '../../src/impl/remote/errors.js';
import { execName, parseExecSpec, splitCommandLine } from '../../src/impl/remote/exec-spec.js';
import { execSpecForRunner } from '../../src/impl/remote/exec-preflight.js';
import { execImplementation } from '../../src/impl/remote/exec.js';

/**
 * `exec:` implementations: the command syntax, and real child processes — the NumPy example through the
 * Python client, and test/fixtures/remote/misbehaving.py doing each wrong thing a process can do to the
 * protocol. Each is a ProtocolError naming the message (or, for an error reply, the implementation's own
 * error), the process is killed, and the next call starts a fresh one.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = process.env.MNIST_SPEC_PYTHON ?? '/usr/bin/python3';
const MISBEHAVING = join(ROOT, 'test', 'fixtures', 'remote', 'misbehaving.py');
const NUMPY_MLP = join(ROOT, 'examples', 'numpy-mlp', 'numpy_mlp.py');
const hasNumpy = spawnSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

const MLP: Architecture = {
  kind: 'sequential',
  inputShape: [6],
  layers: [
    { type: 'Dense', units: 5, activation: 'relu' },
    { type: 'Dense', units: 3, activation: 'softmax' },
  ],
};
const X = { shape: [4, 6], data: Float32Array.from({ length: 24 }, (_, i) => (i % 7) / 7) };
const Y = { shape: [4, 3], data: Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0]) };

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('exec: command syntax', () => {
  it('splits a command line as a shell would, without expanding anything', () => {
    expect(splitCommandLine(`python3 'my impl.py' --x "a \\"b\\" $HOME" c\\ d`)).toEqual(['python3', 'my impl.py', '--x', 'a "b" $HOME', 'c d']);
    expect(() => splitCommandLine(`python3 'open`)).toThrow(/unterminated single quote/);
  });

  it('reads the three forms', () => {
    expect(parseExecSpec('exec:OMP_NUM_THREADS=1 /usr/bin/python3 examples/numpy-mlp/numpy_mlp.py')).toEqual({
      argv: ['/usr/bin/python3', 'examples/numpy-mlp/numpy_mlp.py'],
      env: { OMP_NUM_THREADS: '1' },
      name: 'numpy_mlp',
    });
    expect(parseExecSpec('exec:["python3", "a b.py"]')).toMatchObject({ argv: ['python3', 'a b.py'], name: 'a-b' });
    expect(parseExecSpec('exec:{"command": "julia impl.jl", "name": "flux", "timeoutSeconds": 5, "env": {"A": "1"}}')).toEqual({
      argv: ['julia', 'impl.jl'],
      env: { A: '1' },
      name: 'flux',
      timeoutMs: 5000,
    });
  });

  it('names an implementation after its script, else its program', () => {
    expect(execName(['python3', '-u', 'ports/torch_port.py', '--fast'])).toBe('torch_port');
    expect(execName(['./target/release/mnist-rs'])).toBe('mnist-rs');
    expect(execName(['node', 'my-runtime/index.js'])).toBe('my-runtime');
  });

  it('refuses what it cannot run, naming the field', () => {
    expect(() => parseExecSpec('exec:')).toThrow(/no command given/);
    expect(() => parseExecSpec('exec:{"argv": ["x"], "timeout": 3}')).toThrow(/unknown field timeout/);
    expect(() => parseExecSpec('exec:{"argv": ["x"], "timeoutSeconds": -1}')).toThrow(ArgumentError);
    expect(() => execSpecForRunner('exec:no-such-program-here --x')).toThrow(/cannot find the program "no-such-program-here" on PATH/);
    // A relative script is pinned to the directory conform runs in: the spec runner's workers run elsewhere.
    expect(JSON.parse(execSpecForRunner('exec:sh run.sh', '/some/dir').slice(5))).toEqual({ argv: ['sh', 'run.sh'], cwd: '/some/dir', name: 'run' });
  });
});

describe.skipIf(!hasNumpy)('exec: a Python implementation through the client', () => {
  it('the NumPy example builds, predicts, trains with progress, and rejects bad weights by name', async () => {
    const impl = await execImplementation(`exec:${PYTHON} ${NUMPY_MLP}`);
    try {
      expect(impl.name).toBe('numpy_mlp');
      expect(impl.capabilities.train?.optimizers).toContain('adam');
      const model = await impl.build(MLP, { seed: 3 });
      const p = await model.predict(X, { batchSize: 3 });
      expect(p.shape).toEqual([4, 3]);
      const batches: number[] = [];
      const history = await model.fit!(
        X,
        Y,
        { optimizer: { type: 'adam', lr: 0.1 }, loss: 'categorical_crossentropy', batchSize: 3, epochs: 2, seed: 1 },
        { onBatchEnd: (b) => batches.push(b.seen) },
      );
      expect(batches).toEqual([3, 4, 3, 4]);
      expect(history.epochs.map((e) => e.epoch)).toEqual([0, 1]);
      const weights = (await model.getWeights()).map((w) => w.tensor);
      const e = await rejection(model.setWeights([weights[1]!, weights[0]!, ...weights.slice(2)]));
      expect(e).toBeInstanceOf(ArgumentError);
      expect((e as ArgumentError).argument).toBe('weights[0] (dense_1/kernel)');
      expect((e as ArgumentError).detail).toBe('expected shape (6, 5), got (5,)');
    } finally {
      await impl.close();
    }
  });

  const fatal: [mode: string, kind: ProtocolError['kind'], message: RegExp][] = [
    ['exit', 'exit', /numpy_mlp|misbehaving\.py .*exited with code 3 during 'predict' \(id \d+\); its last output on stderr:\nmisbehaving: exit on predict/],
    ['hang', 'timeout', /no reply for 'predict' \(id \d+\) within 1\.0 s: killed .*misbehaving\.py hang/],
    ['garbage', 'frame', /waiting for the reply to 'predict' \(id \d+\): bytes outside a frame/],
    ['stray-print', 'frame', /bytes outside a frame .*"debug: predicting now\\n.* — stdout is reserved for frames: write logs to stderr/],
    ['truncated-exit', 'exit', /exited with code 4 during 'predict' \(id \d+\); it had sent \d+ bytes of an incomplete frame/],
    ['truncated-hang', 'timeout', /no reply for 'predict'/],
    ['out-of-order', 'order', /message 'reply' \(id \d+\) answers no outstanding request while waiting for the reply to 'predict'/],
    ['unknown-type', 'schema', /message 'result' \(id \d+\) while waiting for the reply to 'predict' \(id \d+\): unknown message type/],
    ['bad-json', 'frame', /header is not JSON/],
  ];
  for (const [mode, kind, message] of fatal) {
    it(`a process that misbehaves (${mode}) fails that call with a ProtocolError, and the next call gets a fresh process`, async () => {
      const impl = await execImplementation(
        { argv: [PYTHON, MISBEHAVING, mode], env: {}, name: 'misbehaving', timeoutMs: 1000 },
        { onStderrLine: () => undefined },
      );
      try {
        const model = await impl.build(MLP, { seed: 1 });
        const e = await rejection(model.predict(X));
        expect(e).toBeInstanceOf(ProtocolError);
        expect((e as ProtocolError).kind).toBe(kind);
        expect(e.message).toMatch(message);
        expect((await rejection(model.getWeights())).message).toMatch(/model "m1" lived in .*misbehaving\.py .*which is gone/);
        // A fresh process: its first predict misbehaves again, which shows it is a new one.
        const again = await impl.build(MLP, { seed: 1 });
        expect(((await rejection(again.predict(X))) as ProtocolError).kind).toBe(kind);
        expect((await impl.info()).details?.processGeneration).toBe(3);
      } finally {
        await impl.close();
      }
    }, 20_000);
  }

  const lies: [mode: string, message: RegExp][] = [
    ['wrong-dtype', /tensor "probabilities" has dtype float64, expected float32/],
    ['wrong-shape', /tensor "probabilities" has shape \[4, 2\], expected \[4, 3\]/],
    ['wrong-name', /expected one tensor "probabilities", got 0 \(tensors: y\)/],
  ];
  for (const [mode, message] of lies) {
    it(`a reply that lies about its tensor (${mode}) fails that call; the process lives on`, async () => {
      const impl = await execImplementation({ argv: [PYTHON, MISBEHAVING, mode], env: {}, name: 'misbehaving' }, { onStderrLine: () => undefined });
      try {
        const model = await impl.build(MLP, { seed: 1 });
        const e = await rejection(model.predict(X));
        expect((e as ProtocolError).kind).toBe('tensor');
        expect(e.message).toMatch(message);
        expect((await model.predict(X)).shape).toEqual([4, 3]);
      } finally {
        await impl.close();
      }
    });
  }

  it('an error reply carries the Python exception and its traceback', async () => {
    const impl = await execImplementation({ argv: [PYTHON, MISBEHAVING, 'error-reply'], env: {}, name: 'misbehaving' }, { onStderrLine: () => undefined });
    try {
      const e = await rejection((await impl.build(MLP, { seed: 1 })).predict(X));
      expect(e).toBeInstanceOf(RemoteError);
      expect(e.message).toMatch(/^RuntimeError: the model refused, politely \(in 'predict'/);
      expect(e.stack).toMatch(/on the other side of the protocol[\s\S]*Traceback/);
    } finally {
      await impl.close();
    }
  });

  it('a hello with a protocol version the suite does not speak is refused', async () => {
    const e = await rejection(
      execImplementation({ argv: [PYTHON, MISBEHAVING, 'bad-version'], env: {}, name: 'misbehaving' }, { onStderrLine: () => undefined }),
    );
    expect((e as ProtocolError).kind).toBe('version');
  });

  it('pytorch without torch, or without NumPy, is unavailable: it says which, and how to install it', async () => {
    const script = join(ROOT, 'src', 'impl', 'pytorch', 'mnist_spec_pytorch.py');
    const noTorch = await execImplementation({
      argv: [PYTHON, script],
      env: { PYTHONPATH: join(ROOT, 'test', 'fixtures', 'remote', 'no-torch') },
      name: 'pytorch',
    });
    expect(noTorch.unavailable).toMatch(
      /^PyTorch is not installed for .*python3.* \(No module named 'torch' \(simulated.*\)\) — install it with: apt-get install -y python3-torch$/,
    );
    expect(noTorch.capabilities.layers).toEqual([]);
    // -S: no site packages, so no NumPy either; the client answers the handshake without it.
    const noNumpy = await execImplementation({ argv: [PYTHON, '-S', script], env: {}, name: 'pytorch' });
    expect(noNumpy.unavailable).toMatch(/^NumPy is not installed for .* — install it with: apt-get install -y python3-numpy python3-torch$/);
  });

  it('a program that does not exist is a start error', async () => {
    const e = await rejection(execImplementation('exec:/nonexistent/python3 x.py'));
    expect((e as ProtocolError).kind).toBe('start');
    expect(e.message).toMatch(/cannot start \/nonexistent\/python3: .*ENOENT/);
  });
});
