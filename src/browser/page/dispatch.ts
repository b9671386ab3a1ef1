import type { Implementation, Model } from '../../impl/interface.js';
import type { F32Tensor } from '../../tensor.js';
import type { EpochLog, FitConfig } from '../../train/config.js';

/**
 * The page side of an implementation that runs in a browser: one implementation, the models it built (by
 * handle), and the calls the suite makes on them. Transport-agnostic on purpose: a call comes in as data
 * and a reply goes out as data, whether over Playwright's evaluate (today) or the binary remote protocol
 * on a WebSocket (issue 11's codec), so the transport is the only thing to change.
 */
export type PageCall =
  | { op: 'hello' }
  | { op: 'info' }
  | { op: 'build'; arch: Parameters<Implementation['build']>[0]; options?: Parameters<Implementation['build']>[1] }
  | { op: 'layers'; model: number }
  | { op: 'getWeights'; model: number }
  | { op: 'setWeights'; model: number; weights: F32Tensor[] }
  | { op: 'predict'; model: number; x: F32Tensor; batchSize?: number }
  | { op: 'fit'; model: number; x: F32Tensor; y: F32Tensor; config: FitConfig }
  | { op: 'dispose'; model: number }
  | { op: 'close' };

export interface PageError {
  /** The error's class name (ArgumentError, UnsupportedError, …) so the suite can rethrow the same kind. */
  name: string;
  message: string;
  stack?: string;
}
/** `ms`: how long the call took inside the page, so a runner can tell compute from transport. */
export type PageReply = { ok: true; value: unknown; ms: number } | { ok: false; error: PageError; ms: number };

/** What fit reports while it runs: each batch's running metrics and each epoch's log. */
export type FitProgress =
  | { kind: 'batch'; model: number; epoch: number; seen: number; total: number; loss: number; acc: number }
  | { kind: 'epoch'; model: number; log: EpochLog };

export class PageDispatcher {
  private readonly models = new Map<number, Model>();
  private next = 1;

  constructor(
    private readonly impl: Implementation,
    private readonly progress: (p: FitProgress) => void = () => undefined,
  ) {}

  private model(handle: number): Model {
    const m = this.models.get(handle);
    if (!m) throw Object.assign(new Error(`model: no model with handle ${handle} (never built, or disposed)`), { name: 'ArgumentError' });
    return m;
  }

  async handle(call: PageCall): Promise<PageReply> {
    const started = performance.now();
    try {
      const value = await this.run(call);
      return { ok: true, value, ms: performance.now() - started };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      return { ok: false, error: { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) }, ms: performance.now() - started };
    }
  }

  private async run(call: PageCall): Promise<unknown> {
    switch (call.op) {
      case 'hello':
        return { name: this.impl.name, version: this.impl.version, capabilities: this.impl.capabilities };
      case 'info':
        return this.impl.info();
      case 'build': {
        const m = await this.impl.build(call.arch, call.options);
        const handle = this.next++;
        this.models.set(handle, m);
        return { model: handle, layers: m.layers() };
      }
      case 'layers':
        return this.model(call.model).layers();
      case 'getWeights':
        return this.model(call.model).getWeights();
      case 'setWeights':
        return this.model(call.model).setWeights(call.weights);
      case 'predict':
        return this.model(call.model).predict(call.x, call.batchSize === undefined ? {} : { batchSize: call.batchSize });
      case 'fit': {
        const m = this.model(call.model);
        if (!m.fit) throw Object.assign(new Error(`${this.impl.name} cannot train (no fit)`), { name: 'UnsupportedError' });
        return m.fit(call.x, call.y, call.config, {
          onBatchEnd: (b) => this.progress({ kind: 'batch', model: call.model, ...b }),
          onEpochEnd: (log) => this.progress({ kind: 'epoch', model: call.model, log }),
        });
      }
      case 'dispose': {
        this.models.get(call.model)?.dispose();
        this.models.delete(call.model);
        return null;
      }
      case 'close': {
        for (const m of this.models.values()) m.dispose();
        this.models.clear();
        await this.impl.close?.();
        return null;
      }
      default:
        throw Object.assign(new Error(`unknown call ${JSON.stringify((call as { op?: unknown }).op)}`), { name: 'ProtocolError' });
    }
  }
}
