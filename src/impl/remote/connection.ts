/**
 * The suite's side of one connection: requests go out one at a time, each with a fresh id, and the only
 * message accepted is one about the request outstanding (its progress, its reply, its error). Anything
 * else — bytes that are not a frame, a reply to another id, a message when nothing was asked, silence
 * past the timeout, the other side exiting — is a ProtocolError naming the message, the connection is
 * dead and the transport terminated (a process is killed). The caller starts a fresh one for the next call.
 * An error *reply* is different: the other side answered, the call fails with that error, the connection lives.
 */
import { errorFromReply, ProtocolError, type ErrorReply } from './errors.js';
import { describeHeader, encodeFrame, FrameDecoder, FrameError, type Frame, type RequestHeader, type WireTensor } from './frame.js';
import { FieldReader, readProgress, type ProgressMessage } from './messages.js';
import type { Transport, TransportClosed } from './transport.js';

export interface CallOptions {
  /** Silence allowed before the other side is declared hung and killed: every progress message restarts it. */
  timeoutMs: number;
  onProgress?: (p: ProgressMessage) => void;
}

interface Outstanding {
  id: number;
  type: string;
  resolve: (f: Frame) => void;
  reject: (e: Error) => void;
  onProgress: ((p: ProgressMessage) => void) | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  timeoutMs: number;
  progressed: boolean;
}

export class Connection {
  private readonly decoder: FrameDecoder;
  private nextId = 0;
  private outstanding: Outstanding | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private deadWith: ProtocolError | undefined;
  private closing = false;

  constructor(
    readonly transport: Transport,
    maxPayloadBytes?: number,
  ) {
    this.decoder = new FrameDecoder(maxPayloadBytes);
    transport.onData((chunk) => this.receive(chunk));
    transport.onClose((closed) => this.closed(closed));
  }

  /** Why the connection is unusable, or undefined while it is alive. */
  get dead(): ProtocolError | undefined {
    return this.deadWith;
  }

  /** Send a request and wait for its reply frame (after any progress). Calls are queued: one on the wire at a time. */
  call(header: RequestHeader, tensors: readonly WireTensor[], opts: CallOptions): Promise<Frame> {
    const run = (): Promise<Frame> => this.send(header, tensors, opts);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private send(header: RequestHeader, tensors: readonly WireTensor[], opts: CallOptions): Promise<Frame> {
    if (this.deadWith) return Promise.reject(this.deadWith);
    const id = this.nextId++;
    let bytes: Uint8Array;
    try {
      bytes = encodeFrame({ ...header, id }, tensors);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<Frame>((resolve, reject) => {
      this.outstanding = {
        id,
        type: header.type,
        resolve,
        reject,
        onProgress: opts.onProgress,
        timer: undefined,
        timeoutMs: opts.timeoutMs,
        progressed: false,
      };
      this.arm();
      this.transport.send(bytes);
    });
  }

  private arm(): void {
    const o = this.outstanding;
    if (!o) return;
    if (o.timer) clearTimeout(o.timer);
    o.timer = setTimeout(() => {
      this.fail(
        new ProtocolError(
          'timeout',
          `no ${o.progressed ? 'message' : 'reply'} for '${o.type}' (id ${o.id}) within ${(o.timeoutMs / 1000).toFixed(1)} s${o.progressed ? ' of its last progress message' : ''}: ` +
            `killed ${this.transport.description}${this.stderr()}`,
        ),
      );
    }, o.timeoutMs);
  }

  private stderr(): string {
    const d = this.transport.diagnostics?.().trim();
    return d ? `; its last output on stderr:\n${d}` : '';
  }

  private waiting(): string {
    const o = this.outstanding;
    return o ? `while waiting for the reply to '${o.type}' (id ${o.id})` : 'while no request was outstanding';
  }

  private receive(chunk: Uint8Array): void {
    if (this.deadWith) return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      if (e instanceof FrameError) {
        this.fail(
          new ProtocolError('frame', `${this.waiting()}: ${e.detail}${e.part === 'magic' ? ' — stdout is reserved for frames: write logs to stderr' : ''}`),
        );
        return;
      }
      throw e;
    }
    for (const f of frames) {
      if (this.deadWith) return;
      this.handle(f);
    }
  }

  private handle(frame: Frame): void {
    const h = frame.header;
    const o = this.outstanding;
    if (!o) {
      this.fail(new ProtocolError('order', `unsolicited message ${describeHeader(h)}: no request was outstanding`));
      return;
    }
    if (h.id !== o.id) {
      this.fail(new ProtocolError('order', `message ${describeHeader(h)} answers no outstanding request ${this.waiting()}`));
      return;
    }
    try {
      switch (h.type) {
        case 'progress': {
          const p = readProgress(FieldReader.of(h, `progress of '${o.type}'`));
          o.progressed = true;
          this.arm();
          o.onProgress?.(p);
          return;
        }
        case 'reply':
          this.settle();
          o.resolve(frame);
          return;
        case 'error': {
          const r = FieldReader.of(h, `error reply to '${o.type}'`);
          const reply: ErrorReply = { name: r.string('name'), message: r.string('message') };
          for (const k of ['argument', 'detail', 'file', 'field', 'stack'] as const) if (typeof h[k] === 'string') reply[k] = h[k] as string;
          this.settle();
          o.reject(errorFromReply(reply, `'${o.type}' (id ${o.id})`));
          return;
        }
        default:
          throw new ProtocolError('schema', `message ${describeHeader(h)} ${this.waiting()}: unknown message type (progress, reply, error)`);
      }
    } catch (e) {
      // A callback's own error (a spec's onBatchEnd throwing) is that call's failure, not the other side's.
      if (e instanceof ProtocolError) this.fail(e);
      else {
        this.settle();
        o.reject(e as Error);
        this.fail(new ProtocolError('order', `'${o.type}' (id ${o.id}) was abandoned when its progress callback threw: ${(e as Error).message}`));
      }
    }
  }

  private settle(): void {
    if (this.outstanding?.timer) clearTimeout(this.outstanding.timer);
    this.outstanding = undefined;
  }

  /** The connection is over: reject what is outstanding, kill the other side. */
  private fail(error: ProtocolError): void {
    if (this.deadWith) return;
    this.deadWith = error;
    const o = this.outstanding;
    this.settle();
    o?.reject(error);
    this.transport.terminate(error.message);
  }

  private closed(c: TransportClosed): void {
    if (this.deadWith) return;
    let truncated = '';
    try {
      this.decoder.end();
    } catch (e) {
      truncated = `; it had sent ${this.decoder.pending} bytes of an incomplete frame (${(e as FrameError).detail})`;
    }
    const o = this.outstanding;
    if ((c.requested || this.closing) && !o) {
      this.deadWith = new ProtocolError('exit', `the connection to ${this.transport.description} was closed (${c.reason})`);
      return;
    }
    const during = o ? `during '${o.type}' (id ${o.id})` : 'between requests';
    this.fail(new ProtocolError('exit', `${this.transport.description} ${c.reason} ${during}${truncated}${this.stderr()}`));
  }

  /** Say goodbye (if alive), wait briefly for the reply, then terminate. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (!this.deadWith && this.transport.alive) {
      await this.call({ type: 'goodbye' }, [], { timeoutMs }).catch(() => undefined);
    }
    if (!this.deadWith) this.deadWith = new ProtocolError('exit', `the connection to ${this.transport.description} was closed`);
    this.transport.terminate('closed by the suite');
  }
}
