import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import type { WebSocket } from 'ws';
import type { Architecture } from '../arch/types.js';
import { UnsupportedError } from '../errors.js';
import type { BuildOptions, Capabilities, Implementation, ImplementationInfo, Model } from '../impl/interface.js';
import { RemoteImplementation } from '../impl/remote/implementation.js';
import type { Transport, TransportFactory } from '../impl/remote/transport.js';
import { bundlePage, type PageBundle } from './bundle.js';
import { CHROMIUM_PATH, launchChromium } from './chromium.js';
import type { PageEnvironment } from './page/gpu.js';
import { startPageServer, type PageServer } from './server.js';
import { webSocketTransport, type PageTransport } from './ws-transport.js';

/**
 * An implementation that runs in a headless Chromium page, seen from Node as an ordinary `Implementation`:
 * the runner bundles it (bundle.ts), serves it on loopback (server.ts), opens it in Chromium (chromium.ts),
 * and talks to it with the remote protocol (src/impl/remote, docs/protocol.md) over the page's WebSocket —
 * the same RemoteImplementation that judges a child process. When the page dies (renderer crash, socket
 * closed, a call that hangs past its timeout, an error thrown outside any call) the call it was serving fails
 * with that reason, the page is closed at once (a page spinning in a loop would hold a core), and the next call
 * opens a fresh page, as exec: starts a fresh process; models of the dead page are lost, said so by the protocol.
 */
export interface BrowserEnvironment extends PageEnvironment {
  browser: string;
  browserVersion: string;
  executable: string;
}

export interface BrowserImplementation extends Implementation {
  readonly environment: BrowserEnvironment;
  /** Bytes of the page's bundle and how long bundling took. */
  readonly bundle: { bytes: number; milliseconds: number };
  /** Set when the page's implementation says it cannot run here: every spec skips with this. */
  readonly unavailable: string | undefined;
  /** Close the protocol, the page, the browser and the server: nothing is left running or listening. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** tfjs flags for the page (`?tfjsflags=`), e.g. { WEBGL_FORCE_F16_TEXTURES: true } to judge WebGL's float16 path. */
  tfjsFlags?: Record<string, boolean | number>;
  /** A page bundle built beforehand (bundle.ts; `mnist-spec conform` bundles once per run): read instead of bundling again. */
  bundleFile?: string;
  dataDir?: string;
  /** How long a page may take to load and connect. */
  loadTimeoutMs?: number;
  /** Silence allowed per call (the protocol's timeout; progress restarts it). */
  callTimeoutMs?: number;
}

/** How many lines of the page's console an error message quotes. */
const CONSOLE_TAIL = 30;

/** Open a browser implementation (a shipped name from bundle.ts, or a module path) in a fresh headless Chromium. */
export async function openBrowserImplementation(nameOrPath: string, options: OpenOptions = {}): Promise<BrowserImplementation> {
  const bundle: PageBundle = options.bundleFile ? await readBundle(options.bundleFile) : await bundlePage(nameOrPath);
  let server: PageServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let waiting: ((ws: WebSocket) => void) | undefined;
  const consoleTail: string[] = [];
  const remember = (line: string): void => {
    consoleTail.push(line);
    if (consoleTail.length > CONSOLE_TAIL) consoleTail.shift();
  };
  const loadTimeout = options.loadTimeoutMs ?? 60_000;

  const closeAll = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    await server?.close();
  };

  try {
    server = await startPageServer({
      bundle: bundle.code,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      // One socket per page load; one the runner is not waiting for is refused.
      onSocket: (ws) => {
        const take = waiting;
        waiting = undefined;
        if (take) take(ws);
        else ws.terminate();
      },
    });
    browser = await launchChromium();
    const b = browser;
    const s = server;
    const description = `a chromium ${b.version()} page running ${nameOrPath}`;
    const flagList = Object.entries(options.tfjsFlags ?? {});
    const query = `?ws=${encodeURIComponent(s.wsUrl)}${flagList.length ? `&tfjsflags=${flagList.map(([k, v]) => `${k}:${v}`).join(',')}` : ''}`;

    /** Open a fresh page and wait for its socket, or for the reason it will never come. */
    const transport: TransportFactory = async (): Promise<Transport> => {
      await page?.close().catch(() => undefined);
      const p = await b.newPage();
      page = p;
      let failed: (e: Error) => void = () => undefined;
      const failure = new Promise<never>((_, reject) => (failed = reject));
      failure.catch(() => undefined);
      // Once the page serves, what happens to it outside any reply becomes the reason its socket closed.
      let serving: PageTransport | undefined;
      let crashed = false;
      p.on('pageerror', (e) => {
        remember(`[pageerror] ${e.stack ?? e.message}`);
        if (serving) serving.fail(`threw outside any call (an uncaught error in the page): ${e.message}`);
        else failed(new UnsupportedError(`${nameOrPath}: the page threw while loading: ${e.message}`));
      });
      p.on('crash', () => {
        crashed = true;
        remember('[crash] the renderer process crashed');
        failed(new UnsupportedError(`${nameOrPath}: the page crashed while loading`));
      });
      p.on('console', (m) => {
        remember(`[${m.type()}] ${m.text()}`);
        if (process.env.MNIST_SPEC_PAGE_CONSOLE) process.stderr.write(`[page ${m.type()}] ${m.text()}\n`);
      });
      const socket = new Promise<WebSocket>((resolve) => (waiting = resolve));
      const published = p
        .waitForFunction(() => globalThis.__mnistSpec?.error, undefined, { timeout: loadTimeout, polling: 200 })
        .then(async (h) => {
          throw new UnsupportedError(`${nameOrPath}: ${String(await h.jsonValue())}`);
        });
      published.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new UnsupportedError(`${nameOrPath}: the page did not connect within ${loadTimeout} ms`)), loadTimeout);
      });
      try {
        await Promise.race([p.goto(s.url + query, { waitUntil: 'load', timeout: loadTimeout }), failure, timeout]);
        const ws = await Promise.race([socket, failure, published, timeout]);
        serving = webSocketTransport(
          ws,
          description,
          () => consoleTail.join('\n'),
          () => (crashed ? 'crashed (its renderer process is gone)' : undefined),
        );
        // A page whose socket is gone (it failed, hung past its timeout, or the suite is done) is closed now, not at the next call.
        ws.on('close', () => void p.close().catch(() => undefined));
        return serving;
      } finally {
        clearTimeout(timer);
        waiting = undefined;
      }
    };

    const remote = await RemoteImplementation.connect({
      transport,
      ...(options.callTimeoutMs ? { timeoutMs: options.callTimeoutMs } : {}),
      helloTimeoutMs: loadTimeout,
    });
    const env = await page!.evaluate(() => globalThis.__mnistSpec!.environment());
    const environment: BrowserEnvironment = { browser: 'chromium', browserVersion: b.version(), executable: CHROMIUM_PATH, ...env };
    let closing: Promise<void> | undefined;
    return {
      name: remote.name,
      version: remote.version,
      capabilities: remote.capabilities as Capabilities,
      unavailable: remote.unavailable,
      environment,
      bundle: { bytes: bundle.bytes, milliseconds: bundle.milliseconds },
      info: (): Promise<ImplementationInfo> => remote.info(),
      build: (arch: Architecture, buildOptions?: BuildOptions): Promise<Model> => remote.build(arch, buildOptions),
      close(): Promise<void> {
        closing ??= (async () => {
          await remote.close().catch(() => undefined);
          await closeAll();
        })();
        return closing;
      },
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

async function readBundle(file: string): Promise<PageBundle> {
  const started = performance.now();
  const code = await readFile(file, 'utf8');
  return { code, bytes: Buffer.byteLength(code), milliseconds: performance.now() - started };
}
