import { loadData } from '../data/load.js';
import type { MnistData } from '../data/types.js';
import { ENV } from './env.js';

/**
 * The data sets specs read, loaded at most once per spec process (each spec file runs in its own) and shared:
 * treat the arrays as read-only.
 */
let embedded: Promise<MnistData> | undefined;
let full: Promise<MnistData> | undefined;

/** The embedded 10,000 images with the fixed embedded-v1 split (src/data/embedded.ts). */
export function embeddedData(): Promise<MnistData> {
  embedded ??= loadData({ data: 'embedded' });
  return embedded;
}

/** The full set from MNIST_DIR. Only for specs declared `needs: { fullData: true }`, which skip without it. */
export function fullData(): Promise<MnistData> {
  const dir = process.env[ENV.mnistDir];
  if (!dir) throw new Error(`fullData() needs ${ENV.mnistDir}: declare the spec with needs: { fullData: true }`);
  full ??= loadData({ data: dir });
  return full;
}
