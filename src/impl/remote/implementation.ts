/**
 * RemoteImplementation: the suite's `Implementation` (src/impl/interface.ts) over the protocol, so every
 * spec that judges an in-process implementation judges one in another process (or a browser page)
 * unchanged. It knows transports only as a factory: after the other side fails (exits, hangs, garbles),
 * the next call starts a fresh one and shakes hands again; models that lived in the old one are lost,
 * and using them is a ProtocolError('lost') naming the model and why its process is gone.
 */
import { resolveArchitecture, modelWeightSpecs, type ResolvedArchitecture } from '../../arch/resolve.js';
import type { Architecture } from '../../arch/types.js';
import { ArgumentError, UnsupportedError } from '../../errors.js';
import { sizeOf, type F32Tensor } from '../../tensor.js';
import type { FitCallbacks, FitConfig, History } from '../../train/config.js';
import { VERSION } from '../../version.js';
import type { BuildOptions, Capabilities, Implementation, ImplementationInfo, LayerInfo, Model, NamedWeight } from '../interface.js';
import { Connection } from './connection.js';
import { ProtocolError } from './errors.js';
import type { RequestHeader, WireTensor } from './frame.js';
import {
  expectTensor,
  FieldReader,
  PROTOCOL_VERSIONS,
  readHello,
  readHistory,
  readInfo,
  readLayers,
  TENSOR,
  wireResolved,
  type HelloReply,
} from './messages.js';
import type { TransportFactory } from './transport.js';

export interface RemoteOptions {
  /** How the suite names it (`pytorch`, or derived from an exec command); default: the name it declares in its hello. */
  name?: string;
  /** Starts a fresh other side (a process, a page connection). */
  transport: TransportFactory;
  /** Silence allowed in any call before the other side is declared hung and killed; every progress message restarts it. */
  timeoutMs?: number;
  /** The same for the handshake, which includes starting the runtime (importing torch takes seconds on a busy machine). */
  helloTimeoutMs?: number;
  maxPayloadBytes?: number;
}

/**
 * 45 s: below the 60 s a spec gets by default, so a hung call fails its spec with the protocol's reason rather
 * than vitest's bare timeout; long calls stay alive through progress messages (fit, per batch; predict and the
 * Python client's other calls, heartbeats).
 */
export const DEFAULT_CALL_TIMEOUT_MS = 45_000;
export const DEFAULT_HELLO_TIMEOUT_MS = 60_000;

interface Session {
  connection: Connection;
  hello: HelloReply;
  generation: number;
}

function f32Tensor(name: string, t: F32Tensor, argument: string): WireTensor {
  if (!(t?.data instanceof Float32Array)) throw new ArgumentError(argument, 'must be a Float32Array tensor');
  if (t.data.length !== sizeOf(t.shape)) throw new ArgumentError(argument, `data length ${t.data.length} does not match shape [${t.shape.join(', ')}]`);
  return { name, dtype: 'float32', shape: [...t.shape], data: t.data };
}

export class RemoteImplementation implements Implementation {
  readonly name: string;
  readonly version: string;
  readonly capabilities: Capabilities;
  /** Set when the other side says it cannot run here: every spec skips with this. */
  readonly unavailable: string | undefined;
  private current: Session | undefined;
  private starting: Promise<Session> | undefined;
  private generation = 0;
  private readonly timeoutMs: number;
  private readonly helloTimeoutMs: number;

  private constructor(
    private readonly opts: RemoteOptions,
    first: Session,
  ) {
    const h = first.hello;
    this.name = opts.name ?? h.implementation.name;
    this.version = h.implementation.version;
    this.capabilities = h.capabilities;
    this.unavailable = h.unavailable ? `${h.unavailable.reason}${h.unavailable.install ? ` — install it with: ${h.unavailable.install}` : ''}` : undefined;
    this.current = first;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.helloTimeoutMs = opts.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;
  }

  /** Start the other side and shake hands: what it declares (name, version, capabilities) holds for every later process. */
  static async connect(opts: RemoteOptions): Promise<RemoteImplementation> {
    const first = await handshake(opts, 1);
    const impl = new RemoteImplementation(opts, first);
    impl.generation = 1;
    // Nothing to do with a process that cannot run: let it go.
    if (impl.unavailable) await first.connection.close();
    return impl;
  }

  /** The live session, or a fresh one when the last has failed. */
  private async session(): Promise<Session> {
    if (this.unavailable) throw new UnsupportedError(`${this.name}: ${this.unavailable}`);
    if (this.current && !this.current.connection.dead) return this.current;
    this.starting ??= (async () => {
      try {
        const s = await handshake(this.opts, ++this.generation);
        const before = { version: this.version, capabilities: this.capabilities };
        const now = { version: s.hello.implementation.version, capabilities: s.hello.capabilities };
        if (JSON.stringify(before) !== JSON.stringify(now)) {
          await s.connection.close();
          throw new ProtocolError(
            'version',
            `the restarted ${this.name} declares ${JSON.stringify(now)}, the first process declared ${JSON.stringify(before)}`,
          );
        }
        this.current = s;
        return s;
      } finally {
        this.starting = undefined;
      }
    })();
    return this.starting;
  }

  /** A request on the model's own session: a model whose process is gone is lost, never silently rebuilt. */
  async call(
    session: Session,
    model: string,
    header: RequestHeader,
    tensors: readonly WireTensor[] = [],
    onProgress?: Parameters<Connection['call']>[2]['onProgress'],
  ) {
    const dead = session.connection.dead;
    if (dead || session !== this.current) {
      throw new ProtocolError(
        'lost',
        `model "${model}" lived in ${session.connection.transport.description}, which is gone: ${dead?.message ?? 'replaced by a newer process'}`,
      );
    }
    const reply = await session.connection.call(header, tensors, { timeoutMs: this.timeoutMs, ...(onProgress ? { onProgress } : {}) });
    return { reply, r: FieldReader.of(reply.header, `reply to '${header.type}'`) };
  }

  async info(): Promise<ImplementationInfo> {
    if (this.unavailable) return { backend: 'unavailable', details: { reason: this.unavailable } };
    const s = await this.session();
    const reply = await s.connection.call({ type: 'info' }, [], { timeoutMs: this.timeoutMs });
    const info = readInfo(FieldReader.of(reply.header, "reply to 'info'"));
    return { ...info, details: { ...info.details, protocol: s.hello.protocol, process: s.connection.transport.description, processGeneration: s.generation } };
  }

  async build(arch: Architecture, options: BuildOptions = {}): Promise<Model> {
    const resolved = resolveArchitecture(arch);
    if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) throw new ArgumentError('seed', `must be an integer, got ${options.seed}`);
    const s = await this.session();
    const reply = await s.connection.call(
      { type: 'build', architecture: arch, resolved: wireResolved(resolved), ...(options.seed !== undefined ? { seed: options.seed } : {}) },
      [],
      { timeoutMs: this.timeoutMs },
    );
    const r = FieldReader.of(reply.header, "reply to 'build'");
    return new RemoteModel(this, s, r.string('model'), readLayers(r), resolved);
  }

  async close(): Promise<void> {
    const s = this.current;
    this.current = undefined;
    await s?.connection.close();
  }
}

async function handshake(opts: RemoteOptions, generation: number): Promise<Session> {
  let transport;
  try {
    transport = await opts.transport();
  } catch (e) {
    throw e instanceof ProtocolError ? e : new ProtocolError('start', (e as Error).message);
  }
  const connection = new Connection(transport, opts.maxPayloadBytes);
  const reply = await connection.call({ type: 'hello', protocols: [...PROTOCOL_VERSIONS], suite: { name: 'mnist-spec', version: VERSION } }, [], {
    timeoutMs: opts.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS,
  });
  let hello: HelloReply;
  try {
    hello = readHello(FieldReader.of(reply.header, "reply to 'hello'"));
    if (!PROTOCOL_VERSIONS.includes(hello.protocol)) {
      throw new ProtocolError(
        'version',
        `${transport.description} chose protocol version ${hello.protocol}; this suite speaks ${PROTOCOL_VERSIONS.join(', ')}`,
      );
    }
  } catch (e) {
    transport.terminate((e as Error).message);
    throw e;
  }
  return { connection, hello, generation };
}

class RemoteModel implements Model {
  private disposed = false;

  constructor(
    private readonly impl: RemoteImplementation,
    private readonly session: Session,
    private readonly handle: string,
    private readonly layerInfos: LayerInfo[],
    private readonly resolved: ResolvedArchitecture,
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
    const { reply } = await this.impl.call(this.session, this.handle, { type: 'get_weights', model: this.handle });
    const specs = modelWeightSpecs(this.resolved);
    const context = `reply to 'get_weights' (id ${reply.header.id})`;
    if (reply.tensors.length !== specs.length) {
      throw new ProtocolError(
        'tensor',
        `${context}: ${reply.tensors.length} tensors, the model has ${specs.length} (${specs.map((s) => `${s.layer}/${s.name}`).join(', ')})`,
      );
    }
    return specs.map((s, i) => {
      const want = `${s.layer}/${s.name}`;
      if (reply.tensors[i]!.name !== want)
        throw new ProtocolError('tensor', `${context}: tensor ${i} is "${reply.tensors[i]!.name}", expected "${want}" (Keras get_weights() order)`);
      const t = expectTensor([reply.tensors[i]!], want, s.shape, context);
      return { layer: s.layer, name: s.name, tensor: { shape: t.shape, data: t.data } };
    });
  }

  async setWeights(weights: readonly F32Tensor[]): Promise<void> {
    this.live();
    if (!Array.isArray(weights)) throw new ArgumentError('weights', 'must be an array of tensors');
    const tensors = weights.map((w, i) => f32Tensor(TENSOR.weight(i), w, `weights[${i}]`));
    await this.impl.call(this.session, this.handle, { type: 'set_weights', model: this.handle }, tensors);
  }

  async predict(x: F32Tensor, options: { batchSize?: number } = {}): Promise<F32Tensor> {
    this.live();
    const header = { type: 'predict', model: this.handle, ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}) };
    const { reply } = await this.impl.call(this.session, this.handle, header, [f32Tensor(TENSOR.x, x, 'x')]);
    const t = expectTensor(reply.tensors, TENSOR.probabilities, [x.shape[0]!, ...this.resolved.outputShape], `reply to 'predict' (id ${reply.header.id})`);
    return { shape: t.shape, data: t.data };
  }

  async fit(x: F32Tensor, y: F32Tensor, config: FitConfig, callbacks?: FitCallbacks): Promise<History> {
    this.live();
    const { validationData, ...wire } = config;
    const tensors = [f32Tensor(TENSOR.x, x, 'x'), f32Tensor(TENSOR.y, y, 'y')];
    if (validationData)
      tensors.push(f32Tensor(TENSOR.validationX, validationData.x, 'validationData.x'), f32Tensor(TENSOR.validationY, validationData.y, 'validationData.y'));
    const { r } = await this.impl.call(this.session, this.handle, { type: 'fit', model: this.handle, config: wire }, tensors, (p) => {
      if (p.event === 'batch') callbacks?.onBatchEnd?.({ epoch: p.epoch, seen: p.seen, total: p.total, loss: p.loss, acc: p.acc });
      else if (p.event === 'epoch') {
        const { event: _e, ...log } = p;
        callbacks?.onEpochEnd?.(log);
      }
    });
    return readHistory(r);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.session.connection.dead) return;
    // Fire and forget (the interface's dispose is synchronous); queued behind any call still on the wire.
    this.impl.call(this.session, this.handle, { type: 'dispose', model: this.handle }).catch(() => undefined);
  }
}
