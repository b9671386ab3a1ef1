/**
 * Put any in-process implementation behind the protocol on this process's stdin/stdout:
 *
 *   node dist/impl/remote/serve-stdio.js <shipped name | module path>
 *
 * so `mnist-spec conform --impl 'exec:node dist/impl/remote/serve-stdio.js tfjs'` judges TF.js through the
 * protocol: the proof that the adapter is transparent (the same specs pass in and out of process), and a
 * ready server for a JavaScript runtime that must live in a process of its own. stdout carries frames only:
 * console.log is sent to stderr.
 */
import { loadImplementation } from '../registry.js';
import { serveImplementation } from './serve.js';
import type { Transport } from './transport.js';

function stdioTransport(): Transport {
  let alive = true;
  const out = process.stdout;
  return {
    description: `stdio of pid ${process.pid}`,
    get alive() {
      return alive;
    },
    send(bytes) {
      if (alive) out.write(bytes);
    },
    onData(listener) {
      process.stdin.on('data', (chunk: Buffer) => listener(chunk));
    },
    onClose(listener) {
      process.stdin.once('end', () => {
        alive = false;
        listener({ reason: 'stdin closed', requested: false });
      });
    },
    terminate() {
      alive = false;
      // Let the last reply reach the pipe before exiting.
      out.write(new Uint8Array(0), () => process.exit(0));
    },
  };
}

async function main(): Promise<void> {
  const which = process.argv[2];
  if (!which) {
    process.stderr.write('usage: serve-stdio.js <shipped implementation | module path>\n');
    process.exit(2);
  }
  console.log = console.error;
  console.info = console.error;
  const impl = await loadImplementation(which);
  serveImplementation(impl, stdioTransport(), { onEnd: () => void impl.close?.().finally(() => process.exit(0)) });
}

main().catch((e: unknown) => {
  process.stderr.write(`serve-stdio: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
