/**
 * The implementation's side of the protocol, in TypeScript: serve any in-process `Implementation` over a
 * transport. What a browser page runs to be judged over a WebSocket, what `serve-stdio.ts` runs to put
 * a module behind `exec:`, and what the tests use to hold the adapter to the in-process behaviour.
 * (A Python implementation uses clients/python/mnist_spec_client.py instead: the same protocol.)
 */
import type { Architecture } from '../../arch/types.js';
import { ArgumentError, UnsupportedError } from '../../errors.js';
import type { FitConfig } from '../../train/config.js';
import type { Implementation, Model } from '../interface.js';
import { describeHeader, encodeFrame, FrameDecoder, FrameError, type Frame, type FrameHeader, type WireTensor } from './frame.js';
import { FieldReader, PROTOCOL_VERSIONS, TENSOR, toWireNumber, type HelloReply } from './messages.js';
import type { Transport } from './transport.js';

/**
 * An error as an error reply: the suite's typed errors keep their fields (docs/protocol.md "Errors"). Known by
 * `name` and fields, not class: an implementation throws its own errors (examples/plain-ts does), never ours.
 */
export function errorReplyOf(e: unknown): Record<string, string> {
  const err = e instanceof Error ? e : new Error(String(e));
  const reply: Record<string, string> = { name: err.name || 'Error', message: err.message };
  const fields = err as Error & Partial<Record<'argument' | 'detail' | 'file' | 'field', unknown>>;
  const strings = (...keys: ('argument' | 'detail' | 'file' | 'field')[]) =>
    Object.fromEntries(keys.flatMap((k) => (typeof fields[k] === 'string' ? [[k, fields[k]]] : [])));
  if (err.name === 'ArgumentError') Object.assign(reply, strings('argument', 'detail'));
  if (err.name === 'DataFormatError') Object.assign(reply, strings('file', 'field', 'detail'));
  if (err.stack) reply.stack = err.stack;
  return reply;
}

function f32(t: WireTensor, argument: string): { shape: number[]; data: Float32Array } {
  if (t.dtype !== 'float32') throw new ArgumentError(argument, `must be float32, got ${t.dtype}`);
  return { shape: t.shape, data: t.data as Float32Array };
}

function tensorNamed(frame: Frame, name: string): WireTensor {
  const t = frame.tensors.find((x) => x.name === name);
  if (!t) throw new ArgumentError(name, `missing: the request carries ${frame.tensors.map((x) => x.name).join(', ') || 'no tensors'}`);
  return t;
}

/** How often a running request says it is alive (docs/protocol.md, progress "heartbeat"). */
const HEARTBEAT_MS = 1000;

export interface ServeOptions {
  /** Called when the suite says goodbye or the transport closes. */
  onEnd?: () => void;
}

/** Serve `impl` on `transport` until goodbye or close. Requests are handled one at a time, in order. */
export function serveImplementation(impl: Implementation, transport: Transport, opts: ServeOptions = {}): void {
  const decoder = new FrameDecoder();
  const models = new Map<string, Model>();
  let nextModel = 1;
  let queue: Promise<void> = Promise.resolve();
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    for (const m of models.values()) m.dispose();
    models.clear();
    opts.onEnd?.();
  };
  const send = (header: FrameHeader, tensors: WireTensor[] = []): void => transport.send(encodeFrame(header, tensors));
  const modelOf = (r: FieldReader): Model => {
    const id = r.string('model');
    const m = models.get(id);
    if (!m) throw new ArgumentError('model', `no model "${id}" (disposed, or never built here)`);
    return m;
  };

  async function handle(frame: Frame): Promise<void> {
    const h = frame.header;
    const id = h.id ?? 0;
    const r = FieldReader.of(h, 'request');
    // A heartbeat every second while a request runs: a page on a software renderer can take minutes over one
    // predict, and the suite's timeout is for silence. Timers fire whenever the runtime yields (between batches).
    const heartbeat = setInterval(() => send({ type: 'progress', id, event: 'heartbeat' }), HEARTBEAT_MS);
    try {
      switch (h.type) {
        case 'hello': {
          const offered = r.array('protocols');
          const protocol = PROTOCOL_VERSIONS.filter((v) => offered.includes(v)).pop();
          if (protocol === undefined)
            throw new UnsupportedError(`no common protocol version: the suite offers ${offered.join(', ')}, this side speaks ${PROTOCOL_VERSIONS.join(', ')}`);
          const reply: HelloReply = { protocol, implementation: { name: impl.name, version: impl.version }, capabilities: impl.capabilities };
          const unavailable = (impl as { unavailable?: string }).unavailable;
          if (unavailable) reply.unavailable = { reason: unavailable };
          send({ type: 'reply', id, ...reply });
          return;
        }
        case 'info':
          send({ type: 'reply', id, ...(await impl.info()) });
          return;
        case 'build': {
          const seed = r.has('seed') ? r.integer('seed') : undefined;
          const model = await impl.build(r.raw('architecture') as Architecture, seed !== undefined ? { seed } : {});
          const handle = `m${nextModel++}`;
          models.set(handle, model);
          send({ type: 'reply', id, model: handle, layers: model.layers() });
          return;
        }
        case 'get_weights': {
          const weights = await modelOf(r).getWeights();
          send(
            { type: 'reply', id },
            weights.map((w) => ({ name: `${w.layer}/${w.name}`, dtype: 'float32', shape: [...w.tensor.shape], data: w.tensor.data })),
          );
          return;
        }
        case 'set_weights':
          await modelOf(r).setWeights(frame.tensors.map((t, i) => f32(t, `weights[${i}]`)));
          send({ type: 'reply', id });
          return;
        case 'predict': {
          const batchSize = r.has('batchSize') ? r.integer('batchSize', 1) : undefined;
          const p = await modelOf(r).predict(f32(tensorNamed(frame, TENSOR.x), 'x'), batchSize !== undefined ? { batchSize } : {});
          send({ type: 'reply', id }, [{ name: TENSOR.probabilities, dtype: 'float32', shape: [...p.shape], data: p.data }]);
          return;
        }
        case 'fit': {
          const model = modelOf(r);
          if (!model.fit) throw new UnsupportedError(`${impl.name} does not train`);
          const config = r.raw('config') as FitConfig;
          const vx = frame.tensors.find((t) => t.name === TENSOR.validationX);
          const vy = frame.tensors.find((t) => t.name === TENSOR.validationY);
          if (vx && vy) config.validationData = { x: f32(vx, 'validationData.x'), y: f32(vy, 'validationData.y') };
          const history = await model.fit(f32(tensorNamed(frame, TENSOR.x), 'x'), f32(tensorNamed(frame, TENSOR.y), 'y'), config, {
            onBatchEnd: (b) => send({ type: 'progress', id, event: 'batch', ...b, loss: toWireNumber(b.loss), acc: toWireNumber(b.acc) }),
            onEpochEnd: (e) => send({ type: 'progress', id, event: 'epoch', ...wireLog(e) }),
          });
          send({ type: 'reply', id, history: { ...history, epochs: history.epochs.map(wireLog) } });
          return;
        }
        case 'dispose': {
          const handle = r.string('model');
          models.get(handle)?.dispose();
          models.delete(handle);
          send({ type: 'reply', id });
          return;
        }
        case 'goodbye':
          send({ type: 'reply', id });
          transport.terminate('goodbye');
          end();
          return;
        default:
          // Unknown requests get an error reply and the connection lives on: a newer suite may ask more.
          throw new UnsupportedError(`unknown request ${describeHeader(h)}: this side speaks protocol ${PROTOCOL_VERSIONS.join(', ')}`);
      }
    } catch (e) {
      send({ type: 'error', id, ...errorReplyOf(e) });
    } finally {
      clearInterval(heartbeat);
    }
  }

  transport.onData((chunk) => {
    let frames: Frame[];
    try {
      frames = decoder.push(chunk);
    } catch (e) {
      // The suite's bytes lost their framing: nothing sensible can follow.
      transport.terminate(e instanceof FrameError ? e.message : String(e));
      end();
      return;
    }
    for (const f of frames) queue = queue.then(() => handle(f));
  });
  transport.onClose(() => end());
}

function wireLog(e: { epoch: number; loss: number; acc: number; valLoss?: number; valAcc?: number; seconds: number }): Record<string, unknown> {
  return {
    epoch: e.epoch,
    loss: toWireNumber(e.loss),
    acc: toWireNumber(e.acc),
    ...(e.valLoss !== undefined ? { valLoss: toWireNumber(e.valLoss) } : {}),
    ...(e.valAcc !== undefined ? { valAcc: toWireNumber(e.valAcc) } : {}),
    seconds: e.seconds,
  };
}
