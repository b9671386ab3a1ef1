import type { Implementation, ImplementationModule } from '../../impl/interface.js';
import { serveImplementation } from '../../impl/remote/serve.js';
import { describeEnvironment, type PageEnvironment } from './gpu.js';
import { connectWebSocket } from './ws-transport.js';

/**
 * The page's entry (bundled together with one implementation module by src/browser/bundle.ts): resolves the
 * module's default export and serves it over the remote protocol (src/impl/remote/serve.ts, the same peer a
 * process runs) on a WebSocket back to the runner, whose address the page gets in its query (`?ws=`).
 * A module that is not an Implementation, or throws while loading, is published as `error` on
 * `globalThis.__mnistSpec`, so the runner says why instead of waiting for a socket that will never open.
 */
export interface PageHost {
  error?: string;
  environment(): Promise<PageEnvironment>;
}

declare global {
  var __mnistSpec: PageHost | undefined;
}

function isImplementation(v: unknown): v is Implementation {
  const o = v as Implementation | undefined;
  return !!o && typeof o.name === 'string' && typeof o.build === 'function' && typeof o.info === 'function' && !!o.capabilities;
}

export function startHost(mod: ImplementationModule): void {
  const host: PageHost = { environment: describeEnvironment };
  globalThis.__mnistSpec = host;
  void (async () => {
    let impl: unknown;
    try {
      impl = typeof mod === 'function' ? await mod() : mod;
    } catch (e) {
      host.error = `the implementation module's factory threw: ${(e as Error).stack ?? String(e)}`;
      return;
    }
    if (!isImplementation(impl)) {
      host.error = 'default export is not an Implementation (needs name, capabilities, info(), build())';
      return;
    }
    const socket = new URLSearchParams((globalThis as unknown as { location: { search: string } }).location.search).get('ws');
    if (!socket) {
      host.error = 'no ?ws= in the page address: open this page through the runner';
      return;
    }
    try {
      serveImplementation(impl, await connectWebSocket(socket));
    } catch (e) {
      host.error = (e as Error).message;
    }
  })();
}
