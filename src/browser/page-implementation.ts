import type { Browser, Page } from 'playwright-core';
import type { Architecture } from '../arch/types.js';
import { ArgumentError, MnistSpecError, UnsupportedError } from '../errors.js';
import type { BuildOptions, Capabilities, Implementation, ImplementationInfo, LayerInfo, Model, NamedWeight } from '../impl/interface.js';
import type { F32Tensor } from '../tensor.js';
import type { FitCallbacks, FitConfig, History } from '../train/config.js';
import { bundlePage } from './bundle.js';
import { launchChromium } from './chromium.js';
import type { FitProgress, PageCall, PageError, PageReply } from './page/dispatch.js';
import type { PageEnvironment } from './page/gpu.js';
import { startPageServer, type PageServer } from './server.js';

/**
 * An implementation that runs in a headless Chromium page, seen from Node as an ordinary `Implementation`:
 * the runner bundles it (bundle.ts), serves it on loopback (server.ts), opens it in Chromium (chromium.ts)
 * and forwards every call to the page's PageDispatcher.
 *
 * The channel today is Playwright's own (page.evaluate, typed arrays travel base64-encoded); the remote
 * protocol of issue 11 over the server's WebSocket replaces it without touching either end's dispatch.
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
  /** How long the last call took inside the page, without the transport (for throughput measurements). */
  lastCallPageMs(): number;
  /** Close the page, the browser and the server: nothing is left running or listening. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** tfjs flags for the page (`?tfjsflags=`), e.g. { WEBGL_FORCE_F16_TEXTURES: true } to judge WebGL's float16 path. */
  tfjsFlags?: Record<string, boolean | number>;
  dataDir?: string;
  /** How long the page may take to load and publish its implementation. */
  loadTimeoutMs?: number;
}

/** Re-raise a page-side error as the same kind of error in Node. */
function rethrow(e: PageError): never {
  if (e.name === 'UnsupportedError') throw new UnsupportedError(e.message);
  if (e.name === 'ArgumentError') {
    const at = e.message.indexOf(': ');
    throw at > 0 ? new ArgumentError(e.message.slice(0, at), e.message.slice(at + 2)) : new ArgumentError('argument', e.message);
  }
  const err = new MnistSpecError(`in the page: ${e.name}: ${e.message}`);
  if (e.stack) err.stack = e.stack;
  throw err;
}

class PageChannel {
  /** In-page milliseconds of the last call (PageReply.ms). */
  lastPageMs = 0;
  constructor(private readonly page: Page) {}
  async call<T>(c: PageCall): Promise<T> {
    const reply: PageReply = await this.page.evaluate((call) => globalThis.__mnistSpec!.call(call), c);
    this.lastPageMs = reply.ms;
    if (!reply.ok) rethrow(reply.error);
    return reply.value as T;
  }
}

class PageModel implements Model {
  private disposed = false;
  constructor(
    private readonly channel: PageChannel,
    private readonly handle: number,
    private readonly layerInfos: LayerInfo[],
    private readonly fits: Map<number, FitCallbacks>,
  ) {}

  private live(): void {
    if (this.disposed) throw new ArgumentError('model', 'has been disposed');
  }
  layers(): LayerInfo[] {
    this.live();
    return this.layerInfos.map((l) => ({ ...l, outputShape: [...l.outputShape] }));
  }
  async getWeights(): Promise<NamedWeight[]> {
    this.live();
    return this.channel.call({ op: 'getWeights', model: this.handle });
  }
  async setWeights(weights: readonly F32Tensor[]): Promise<void> {
    this.live();
    await this.channel.call({ op: 'setWeights', model: this.handle, weights: [...weights] });
  }
  async predict(x: F32Tensor, options: { batchSize?: number } = {}): Promise<F32Tensor> {
    this.live();
    return this.channel.call({ op: 'predict', model: this.handle, x, ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }) });
  }
  async fit(x: F32Tensor, y: F32Tensor, config: FitConfig, callbacks?: FitCallbacks): Promise<History> {
    this.live();
    if (callbacks) this.fits.set(this.handle, callbacks);
    try {
      return await this.channel.call({ op: 'fit', model: this.handle, x, y, config });
    } finally {
      this.fits.delete(this.handle);
    }
  }
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.channel.call({ op: 'dispose', model: this.handle }).catch(() => undefined);
  }
}

/** Open a browser implementation (a shipped name from bundle.ts, or a module path) in a fresh headless Chromium. */
export async function openBrowserImplementation(nameOrPath: string, options: OpenOptions = {}): Promise<BrowserImplementation> {
  const bundle = await bundlePage(nameOrPath);
  let server: PageServer | undefined;
  let browser: Browser | undefined;
  const closeAll = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    await server?.close();
  };
  try {
    server = await startPageServer({ bundle: bundle.code, ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
    browser = await launchChromium();
    const page = await browser.newPage();
    const fits = new Map<number, FitCallbacks>();
    await page.exposeFunction('__mnistSpecProgress', (p: FitProgress) => {
      const cb = fits.get(p.model);
      if (p.kind === 'batch') cb?.onBatchEnd?.({ epoch: p.epoch, seen: p.seen, total: p.total, loss: p.loss, acc: p.acc });
      else cb?.onEpochEnd?.(p.log);
    });
    // An error thrown while the page loads means it will never publish its implementation: fail at once, with it.
    let loadFailed: (e: Error) => void = () => undefined;
    const failedToLoad = new Promise<never>((_, fail) => (loadFailed = fail));
    failedToLoad.catch(() => undefined);
    page.on('pageerror', (e) => loadFailed(new UnsupportedError(`${nameOrPath}: the page threw while loading: ${e.message}`)));
    if (process.env.MNIST_SPEC_PAGE_CONSOLE) page.on('console', (m) => process.stderr.write(`[page ${m.type()}] ${m.text()}\n`));
    const flagList = Object.entries(options.tfjsFlags ?? {});
    const query = flagList.length ? `?tfjsflags=${flagList.map(([k, v]) => `${k}:${v}`).join(',')}` : '';
    const timeout = options.loadTimeoutMs ?? 60_000;
    await page.goto(server.url + query, { waitUntil: 'load', timeout });
    await Promise.race([
      failedToLoad,
      page.waitForFunction(() => globalThis.__mnistSpec !== undefined, undefined, { timeout }).catch(() => {
        throw new UnsupportedError(`${nameOrPath}: the page did not publish its implementation within ${timeout} ms`);
      }),
    ]);
    const ready = await page.evaluate(() => globalThis.__mnistSpec!.ready);
    if (!ready.ok) throw new UnsupportedError(`${nameOrPath}: ${ready.error}`);
    const channel = new PageChannel(page);
    const hello = await channel.call<{ name: string; version: string; capabilities: Capabilities }>({ op: 'hello' });
    const env = await page.evaluate(() => globalThis.__mnistSpec!.environment());
    const environment: BrowserEnvironment = { browser: 'chromium', browserVersion: browser.version(), executable: (await import('./chromium.js')).CHROMIUM_PATH, ...env };
    const b = browser;
    const s = server;
    return {
      name: hello.name,
      version: hello.version,
      capabilities: hello.capabilities,
      environment,
      bundle: { bytes: bundle.bytes, milliseconds: bundle.milliseconds },
      info: () => channel.call<ImplementationInfo>({ op: 'info' }),
      lastCallPageMs: () => channel.lastPageMs,
      async build(arch: Architecture, buildOptions?: BuildOptions): Promise<Model> {
        const built = await channel.call<{ model: number; layers: LayerInfo[] }>({ op: 'build', arch, ...(buildOptions ? { options: buildOptions } : {}) });
        return new PageModel(channel, built.model, built.layers, fits);
      },
      async close(): Promise<void> {
        await channel.call({ op: 'close' }).catch(() => undefined);
        await b.close().catch(() => undefined);
        await s.close();
      },
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
