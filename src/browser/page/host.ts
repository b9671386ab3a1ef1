import type { Implementation, ImplementationModule } from '../../impl/interface.js';
import { PageDispatcher, type FitProgress, type PageCall, type PageReply } from './dispatch.js';
import { describeEnvironment, type PageEnvironment } from './gpu.js';

/**
 * The page's entry (bundled together with one implementation module by src/browser/bundle.ts): resolves
 * the module's default export, wraps it in a PageDispatcher and publishes it on `globalThis.__mnistSpec`
 * for the runner. A module that fails to load or is not an Implementation is published as `error`, so the
 * runner can say why instead of waiting for a page that will never be ready.
 */
export interface PageHost {
  ready: Promise<{ ok: true } | { ok: false; error: string }>;
  call(c: PageCall): Promise<PageReply>;
  environment(): Promise<PageEnvironment>;
}

declare global {
  // eslint-disable-next-line no-var
  var __mnistSpec: PageHost | undefined;
  // eslint-disable-next-line no-var
  var __mnistSpecProgress: ((p: FitProgress) => void) | undefined;
}

function isImplementation(v: unknown): v is Implementation {
  const o = v as Implementation | undefined;
  return !!o && typeof o.name === 'string' && typeof o.build === 'function' && typeof o.info === 'function' && !!o.capabilities;
}

export function startHost(mod: ImplementationModule): void {
  let dispatcher: PageDispatcher | undefined;
  const ready = (async () => {
    try {
      const impl = typeof mod === 'function' ? await mod() : mod;
      if (!isImplementation(impl)) return { ok: false as const, error: 'default export is not an Implementation (needs name, capabilities, info(), build())' };
      // Progress goes to the runner when it listens (Playwright's exposeFunction); otherwise nowhere.
      dispatcher = new PageDispatcher(impl, (p) => globalThis.__mnistSpecProgress?.(p));
      return { ok: true as const };
    } catch (e) {
      return { ok: false as const, error: `the implementation module threw while loading: ${(e as Error).stack ?? String(e)}` };
    }
  })();
  globalThis.__mnistSpec = {
    ready,
    async call(c) {
      await ready;
      if (!dispatcher) return { ok: false, error: { name: 'UnsupportedError', message: ((await ready) as { error?: string }).error ?? 'not ready' }, ms: 0 };
      return dispatcher.handle(c);
    },
    environment: describeEnvironment,
  };
}
