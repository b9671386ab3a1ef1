import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UnsupportedError } from '../../errors.js';
import { registerWasmTrainingKernels } from './wasm-kernels.js';

/**
 * The TF.js backend, chosen once per process: tfjs-node ('tensorflow') when it is installed, else the
 * wasm backend. MNIST_SPEC_TFJS_BACKEND=cpu|wasm|tensorflow forces one (for experiments and comparisons).
 */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface BackendState {
  name: BackendName;
  details: Record<string, string | number | boolean>;
}

let ready: Promise<BackendState> | undefined;

// A computed specifier: tfjs-node is optional (its install downloads libtensorflow), so it has no types here.
const TFJS_NODE = '@tensorflow/tfjs-node';

async function tryTfjsNode(): Promise<boolean> {
  try {
    await import(TFJS_NODE);
    return true;
  } catch {
    return false;
  }
}

async function useWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // setWasmPaths takes a prefix; in Node a plain directory path is read with fs.
  const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  wasm.setWasmPaths(`${dist}/`);
  if (!(await tf.setBackend('wasm'))) throw new UnsupportedError('tfjs: the wasm backend failed to initialise');
  registerWasmTrainingKernels();
}

async function init(): Promise<BackendState> {
  // PROD silences tfjs's console banners (e.g. the cpu backend's "install tfjs-node" notice); it changes no math.
  tf.enableProdMode();
  const forced = process.env.MNIST_SPEC_TFJS_BACKEND?.trim() || undefined;
  if (forced && !BACKENDS.includes(forced as BackendName)) {
    throw new UnsupportedError(`MNIST_SPEC_TFJS_BACKEND=${forced}: expected one of ${BACKENDS.join(', ')}`);
  }
  let chosen: BackendName | undefined;
  if (!forced || forced === 'tensorflow') {
    if ((await tryTfjsNode()) && (await tf.setBackend('tensorflow'))) chosen = 'tensorflow';
    else if (forced) throw new UnsupportedError('MNIST_SPEC_TFJS_BACKEND=tensorflow but @tensorflow/tfjs-node is not installed');
  }
  chosen ??= (forced as BackendName | undefined) ?? 'wasm';
  if (chosen === 'wasm') await useWasm();
  else if (chosen === 'cpu' && !(await tf.setBackend('cpu'))) throw new UnsupportedError('tfjs: the cpu backend failed to initialise');
  await tf.ready();
  const name = tf.getBackend() as BackendName;
  const details: Record<string, string | number | boolean> = { tfjs: tf.version.tfjs };
  if (name === 'wasm') {
    details.simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    details.threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  }
  return { name, details };
}

/** Initialise the backend on first use; later calls share the same promise. */
export function ensureBackend(): Promise<BackendState> {
  ready ??= init().catch((e: unknown) => {
    ready = undefined;
    throw e;
  });
  return ready;
}
