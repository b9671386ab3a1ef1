/**
 * `pytorch`: the notebooks' models in PyTorch (Debian's python3-torch), judged through the process protocol.
 * The model code is src/impl/pytorch/mnist_spec_pytorch.py, on the Python client
 * (clients/python/mnist_spec_client.py); this file only starts it. With `--semantics keras` (this one) it
 * reproduces Keras 2.2 where PyTorch's defaults differ; `pytorch-defaults` (defaults.ts) runs the same
 * model code with PyTorch's own defaults, the shipped example of the commonest porting mistake.
 *
 * Environment: MNIST_SPEC_PYTHON (default /usr/bin/python3, Debian's, the one with torch), MNIST_SPEC_TORCH_THREADS
 * (torch.set_num_threads; default PyTorch's own), OMP_WAIT_POLICY (default PASSIVE: see README "Implementations and speed").
 */
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Implementation } from '../interface.js';
import { ProtocolError } from '../remote/errors.js';
import { execImplementation } from '../remote/exec.js';
import { unavailableImplementation } from '../unavailable.js';

export const INSTALL_TORCH = 'apt-get install -y python3-torch';
/** The script, found from src/impl/pytorch or dist/impl/pytorch alike (both are three levels below the package root). */
export const PYTORCH_SCRIPT = fileURLToPath(new URL('../../../src/impl/pytorch/mnist_spec_pytorch.py', import.meta.url));

export type Semantics = 'keras' | 'pytorch-defaults';

/** The argument vector and environment that run the PyTorch implementation: what the bench's peer can run too. */
export function pytorchCommand(semantics: Semantics): { argv: string[]; env: Record<string, string> } {
  const python = process.env.MNIST_SPEC_PYTHON ?? '/usr/bin/python3';
  const threads = process.env.MNIST_SPEC_TORCH_THREADS;
  return {
    argv: [python, PYTORCH_SCRIPT, '--semantics', semantics, ...(threads ? ['--threads', threads] : [])],
    env: { OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' },
  };
}

export async function pytorchImplementation(semantics: Semantics): Promise<Implementation> {
  const name = semantics === 'keras' ? 'pytorch' : 'pytorch-defaults';
  const { argv, env } = pytorchCommand(semantics);
  const python = argv[0]!;
  if (isAbsolute(python) && !existsSync(python)) {
    return unavailableImplementation(
      name,
      `${python} not found (set MNIST_SPEC_PYTHON to a Python with torch and numpy)`,
      `apt-get install -y python3-numpy python3-torch`,
    );
  }
  try {
    return await execImplementation({ argv, env, name });
  } catch (e) {
    if (e instanceof ProtocolError && e.kind === 'start') return unavailableImplementation(name, e.detail, INSTALL_TORCH);
    throw e;
  }
}

export default (): Promise<Implementation> => pytorchImplementation('keras');
