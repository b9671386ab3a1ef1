import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { ASSETS } from './page/assets.js';

/**
 * The runner's own web server for a browser page: loopback only (127.0.0.1), a random port, closed with
 * everything it holds when the run ends. It serves the page, its bundle, the backends' .wasm files from
 * node_modules (an allowlist of names, nothing else of the disk), the MNIST IDX files of `--data DIR`
 * read-only when given, and one WebSocket endpoint for the remote protocol. Every response carries the
 * cross-origin isolation headers, so the page may use SharedArrayBuffer (the threaded wasm builds).
 *
 * The WebSocket path holds a random token and the upgrade must come from the page's own origin: another
 * page in some browser on this machine can neither guess the path nor pass the Origin check.
 */
const require = createRequire(import.meta.url);

interface AssetDir {
  prefix: string;
  dir: string;
  allow: RegExp;
}

function assetDirs(): AssetDir[] {
  return [
    { prefix: ASSETS.tfjsWasm, dir: dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), allow: /^tfjs-backend-wasm(-simd|-threaded-simd)?\.wasm$/ },
    { prefix: ASSETS.ortWasm, dir: dirname(require.resolve('onnxruntime-web')), allow: /^ort-wasm-simd-threaded(\.jsep|\.jspi|\.asyncify)?\.(wasm|mjs)$/ },
  ];
}

/** The IDX files `--data DIR` may hold, each maybe gzipped; nothing else of DIR is served. */
export const DATA_PREFIX = '/data/';
const DATA_FILES = /^(train|t10k)-(images-idx3|labels-idx1)-ubyte(\.gz)?$/;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.html': 'text/html; charset=utf-8',
};

/** Cross-origin isolation (SharedArrayBuffer for the threaded wasm builds), and nothing cached between runs. */
const ISOLATION = {
  'cache-control': 'no-store',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
} as const;

const PAGE_HTML =
  '<!doctype html><html><head><meta charset="utf-8"><title>mnist-spec page</title></head><body><script type="module" src="/page.js"></script></body></html>';

export interface PageServerOptions {
  /** The page's bundle (src/browser/bundle.ts). */
  bundle: string;
  /** `--data DIR`: its IDX files are served read-only under /data/. */
  dataDir?: string;
  /** Called with each WebSocket the page opens on `wsPath`. */
  onSocket?: (socket: WebSocket) => void;
}

export interface PageServer {
  /** The page's address, http://127.0.0.1:PORT/ */
  url: string;
  /** ws://127.0.0.1:PORT/ws/TOKEN */
  wsUrl: string;
  /** Every request the server answered, with its status: what a report or a test can check. */
  readonly requests: { path: string; status: number }[];
  close(): Promise<void>;
}

export async function startPageServer(options: PageServerOptions): Promise<PageServer> {
  const dirs = assetDirs();
  const token = randomBytes(16).toString('hex');
  const wsPath = `/ws/${token}`;
  const requests: { path: string; status: number }[] = [];
  const sockets = new Set<Socket>();
  let origin = '';

  const send = (res: ServerResponse, status: number, type: string, body?: string | Buffer): void => {
    res.writeHead(status, { 'content-type': type, ...ISOLATION });
    res.end(body);
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain', 'read-only');
      return 405;
    }
    if (path === '/') {
      send(res, 200, TYPES['.html']!, PAGE_HTML);
      return 200;
    }
    if (path === '/favicon.ico') {
      send(res, 204, 'text/plain');
      return 204;
    }
    if (path === '/page.js') {
      send(res, 200, TYPES['.js']!, options.bundle);
      return 200;
    }
    let file: string | undefined;
    for (const d of dirs) {
      if (path.startsWith(d.prefix)) {
        const name = path.slice(d.prefix.length);
        if (d.allow.test(name)) file = join(d.dir, name);
      }
    }
    if (options.dataDir && path.startsWith(DATA_PREFIX)) {
      const name = path.slice(DATA_PREFIX.length);
      if (DATA_FILES.test(name)) file = join(options.dataDir, name);
    }
    const s = file && existsSync(file) ? await stat(file) : undefined;
    if (!file || !s?.isFile()) {
      send(res, 404, 'text/plain', 'not found');
      return 404;
    }
    res.writeHead(200, { 'content-type': TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream', 'content-length': s.size, ...ISOLATION });
    if (req.method === 'HEAD') res.end();
    else
      createReadStream(file)
        .on('error', () => res.destroy())
        .pipe(res);
    return 200;
  };

  const server = createServer((req, res) => {
    serve(req, res).then(
      (status) => requests.push({ path: req.url ?? '', status }),
      () => {
        if (!res.headersSent) send(res, 500, 'text/plain', 'error');
        requests.push({ path: req.url ?? '', status: 500 });
      },
    );
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 30 });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== wsPath || req.headers.origin !== origin || !options.onSocket) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => options.onSocket!(ws));
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url: `${origin}/`,
    wsUrl: `ws://127.0.0.1:${port}${wsPath}`,
    requests,
    close() {
      closed ??= (async () => {
        for (const ws of wss.clients) ws.terminate();
        await new Promise<void>((ok) => wss.close(() => ok()));
        for (const s of sockets) s.destroy();
        await new Promise<void>((ok) => server.close(() => ok()));
      })();
      return closed;
    },
  };
}
