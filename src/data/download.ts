import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ChecksumError, MnistSpecError } from '../errors.js';
import { sha256, writeFileAtomic } from '../util/fs.js';
import { MNIST_NPZ_NAME, MNIST_NPZ_SHA256 } from './canonical.js';
import { kerasCachePath } from './load.js';

/** Where tf.keras's `mnist.load_data()` downloads its cache file from. */
export const KERAS_MNIST_URL = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz';
/** Keras's file is 11.5 MB; a response over this bound is not it and is cut off rather than held in memory. */
export const MAX_DOWNLOAD_BYTES = 64 * 2 ** 20;

export interface DownloadOptions {
  /** Default KERAS_MNIST_URL. */
  url?: string;
  /** Default MNIST_NPZ_SHA256, Keras's own file_hash. */
  expectedSha256?: string;
  /** The cache goes to `<kerasHome>/datasets/mnist.npz`; default KERAS_HOME from `env`, else ~/.keras. */
  kerasHome?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  maxBytes?: number;
}

export interface DownloadResult {
  path: string;
  url: string;
  sha256: string;
  bytes: number;
}

/**
 * Download Keras's mnist.npz into the Keras cache. The body is checked against the expected sha256 in
 * memory, then written by temp file + rename (writeFileAtomic), so:
 * on an HTTP failure, a checksum mismatch or any write error the cache file is left as it was.
 */
export async function downloadMnist(opts: DownloadOptions = {}): Promise<DownloadResult> {
  const url = opts.url ?? KERAS_MNIST_URL;
  const expected = opts.expectedSha256 ?? MNIST_NPZ_SHA256;
  const maxBytes = opts.maxBytes ?? MAX_DOWNLOAD_BYTES;
  const path = opts.kerasHome ? join(opts.kerasHome, 'datasets', MNIST_NPZ_NAME) : kerasCachePath(opts.env);
  const fail = (detail: string): never => {
    throw new MnistSpecError(`download ${url}: ${detail}`);
  };

  let body: Uint8Array;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 600_000) });
    if (!res.ok || !res.body) fail(`HTTP ${res.status} ${res.statusText}`.trim());
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > maxBytes) fail(`the response declares ${declared} bytes, more than the ${maxBytes} bytes expected at most`);
    const reader = res.body!.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      total += r.value.length;
      if (total > maxBytes) {
        await reader.cancel();
        fail(`more than the ${maxBytes} bytes expected at most`);
      }
      chunks.push(r.value);
    }
    body = Buffer.concat(chunks, total);
  } catch (e) {
    if (e instanceof MnistSpecError) throw e;
    const err = e as Error & { cause?: Error };
    return fail(err.cause?.message ?? err.message);
  }

  const actual = sha256(body);
  if (actual !== expected) throw new ChecksumError(url, expected, actual);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, body);
  return { path, url, sha256: actual, bytes: body.length };
}
