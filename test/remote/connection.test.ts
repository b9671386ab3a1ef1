import { describe, expect, it } from 'vitest';
import type { Architecture } from '../../src/arch/types.js';
import { ArgumentError, UnsupportedError } from '../../src/errors.js';
import type { Implementation } from '../../src/impl/interface.js';
import { ProtocolError, RemoteError } from '../../src/impl/remote/errors.js';
import { encodeFrame, FrameDecoder, type Frame, type FrameHeader, type WireTensor } from '../../src/impl/remote/frame.js';
import { RemoteImplementation } from '../../src/impl/remote/implementation.js';
import { serveImplementation } from '../../src/impl/remote/serve.js';
import { transportPair, type TransportFactory } from '../../src/impl/remote/transport.js';
import adapter from '../../examples/plain-ts/index.js';

/**
 * The suite's side of the protocol (connection.ts, implementation.ts) against peers in memory: examples/plain-ts
 * served honestly (RemoteImplementation must give what plain-ts gives in process), and peers
 * that exit, hang, garble, reply out of order or lie about tensors — each a typed ProtocolError naming the
 * message, after which the next call gets a fresh peer and models of the old one are lost.
 */
const MLP: Architecture = {
  kind: 'sequential',
  inputShape: [4],
  layers: [
    { type: 'Dense', units: 3, activation: 'relu' },
    { type: 'Dense', units: 2, activation: 'softmax' },
  ],
};
const X = { shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i / 12) };

type Misbehaviour = (
  frame: Frame,
  honest: () => void,
  peer: { raw: (b: Uint8Array) => void; reply: (h: Omit<FrameHeader, 'id'>, t?: WireTensor[]) => void; die: () => void },
) => void;

/**
 * A factory of peers serving examples/plain-ts, where `misbehave` may take over any request (return without
 * calling honest() to do something else). Counts the peers started.
 */
function peers(misbehave?: Misbehaviour): TransportFactory & { started: number } {
  const factory = (async () => {
    factory.started++;
    const [suite, impl] = transportPair(`peer ${factory.started}`);
    // An honest server on an inner pair; this peer relays, unless the misbehaviour intervenes.
    const [relay, server] = transportPair('inner');
    serveImplementation(adapter, server);
    const decoder = new FrameDecoder();
    impl.onData((chunk) => {
      for (const f of decoder.push(chunk)) {
        const honest = () => relay.send(encodeFrame({ ...f.header }, f.tensors));
        const id = f.header.id;
        if (!misbehave) honest();
        else {
          misbehave(f, honest, {
            raw: (b) => impl.send(b),
            reply: (h, t = []) => impl.send(encodeFrame({ ...h, id } as FrameHeader, t)),
            die: () => impl.terminate('died'),
          });
        }
      }
    });
    relay.onData((chunk) => impl.send(chunk));
    relay.onClose(() => undefined);
    impl.onClose(() => relay.terminate('peer gone'));
    return suite;
  }) as TransportFactory & { started: number };
  factory.started = 0;
  return factory;
}

const connect = (transport: TransportFactory, timeoutMs = 2000) => RemoteImplementation.connect({ name: 'remote', transport, timeoutMs });

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

/** Misbehave on the first request of a type, honestly otherwise. */
function onFirst(type: string, act: Misbehaviour): Misbehaviour {
  let done = false;
  return (f, honest, peer) => {
    if (f.header.type !== type || done) return honest();
    done = true;
    act(f, honest, peer);
  };
}

describe('RemoteImplementation over an honest peer', () => {
  it('gives what the implementation gives in process', async () => {
    const remote = await connect(peers());
    expect(remote.name).toBe('remote');
    expect(remote.capabilities).toEqual(adapter.capabilities);
    const [a, b] = [await adapter.build(MLP, { seed: 5 }), await remote.build(MLP, { seed: 5 })];
    expect(b.layers()).toEqual(a.layers());
    expect(await b.getWeights()).toEqual(await a.getWeights());
    const w = (await a.getWeights()).map((x) => ({ shape: x.tensor.shape, data: x.tensor.data.map((v) => v + 0.25) }));
    await a.setWeights(w);
    await b.setWeights(w);
    const [pa, pb] = [await a.predict(X, { batchSize: 2 }), await b.predict(X, { batchSize: 2 })];
    expect(pb.shape).toEqual([3, 2]);
    expect(Array.from(pb.data)).toEqual(Array.from(pa.data));
    b.dispose();
    await remote.close();
  });

  it("turns an error reply into the suite's own error, naming the argument, and lives on", async () => {
    const remote = await connect(peers());
    const model = await remote.build(MLP, { seed: 1 });
    const weights = (await model.getWeights()).map((w) => w.tensor);
    const wrong = [{ shape: [3, 4], data: weights[0]!.data }, ...weights.slice(1)];
    const e = await rejection(model.setWeights(wrong));
    expect(e).toBeInstanceOf(ArgumentError);
    expect((e as ArgumentError).argument).toBe('weights[0] (dense_1/kernel)');
    // The connection is fine: an error reply is an answer.
    expect((await model.predict(X)).shape).toEqual([3, 2]);
    await remote.close();
  });
});

describe('a misbehaving peer is a typed ProtocolError naming the message; the next call gets a fresh peer', () => {
  const cases: { name: string; act: Misbehaviour; kind: ProtocolError['kind']; message: RegExp; fatal: boolean }[] = [
    { name: 'exits', act: (_f, _h, p) => p.die(), kind: 'exit', message: /during 'predict' \(id \d+\)/, fatal: true },
    { name: 'hangs', act: () => undefined, kind: 'timeout', message: /no reply for 'predict' \(id \d+\) within 0\.2 s: killed peer 1/, fatal: true },
    {
      name: 'writes garbage',
      act: (_f, _h, p) => p.raw(new TextEncoder().encode('Traceback (most recent call last):\n')),
      kind: 'frame',
      message: /waiting for the reply to 'predict' \(id \d+\): bytes outside a frame .*"Traceback .* write logs to stderr/,
      fatal: true,
    },
    {
      name: 'writes half a frame and exits',
      act: (_f, _h, p) => {
        p.raw(encodeFrame({ type: 'reply', id: 1 }).subarray(0, 10));
        p.die();
      },
      kind: 'exit',
      message: /during 'predict' .*10 bytes of an incomplete frame/,
      fatal: true,
    },
    {
      name: 'replies to another id',
      act: (f, _h, p) => p.raw(encodeFrame({ type: 'reply', id: f.header.id! + 1 })),
      kind: 'order',
      message: /answers no outstanding request while waiting for the reply to 'predict'/,
      fatal: true,
    },
    {
      name: 'answers with an unknown message type',
      act: (_f, _h, p) => p.reply({ type: 'result' }),
      kind: 'schema',
      message: /'result' .* unknown message type/,
      fatal: true,
    },
    {
      name: 'sends a malformed progress message',
      act: (_f, _h, p) => p.reply({ type: 'progress', event: 'batch', epoch: 'one' }),
      kind: 'schema',
      message: /progress of 'predict' .*field "epoch" must be an integer/,
      fatal: true,
    },
    {
      name: 'answers with float64 probabilities',
      act: (_f, _h, p) => p.reply({ type: 'reply' }, [{ name: 'probabilities', dtype: 'float64', shape: [3, 2], data: new Float64Array(6) }]),
      kind: 'tensor',
      message: /reply to 'predict' \(id \d+\): tensor "probabilities" has dtype float64, expected float32/,
      fatal: false,
    },
    {
      name: 'answers with the wrong shape',
      act: (_f, _h, p) => p.reply({ type: 'reply' }, [{ name: 'probabilities', dtype: 'float32', shape: [3, 1], data: new Float32Array(3) }]),
      kind: 'tensor',
      message: /tensor "probabilities" has shape \[3, 1\], expected \[3, 2\]/,
      fatal: false,
    },
    {
      name: 'misnames its tensor',
      act: (_f, _h, p) => p.reply({ type: 'reply' }, [{ name: 'y', dtype: 'float32', shape: [3, 2], data: new Float32Array(6) }]),
      kind: 'tensor',
      message: /expected one tensor "probabilities", got 0 \(tensors: y\)/,
      fatal: false,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const transport = peers(onFirst('predict', c.act));
      const remote = await connect(transport, 200);
      const model = await remote.build(MLP, { seed: 1 });
      const e = await rejection(model.predict(X));
      expect(e).toBeInstanceOf(ProtocolError);
      expect((e as ProtocolError).kind).toBe(c.kind);
      expect(e.message).toMatch(c.message);
      if (c.fatal) {
        // The model lived in the peer that failed: lost, and said so.
        const lost = await rejection(model.predict(X));
        expect((lost as ProtocolError).kind).toBe('lost');
        expect(lost.message).toMatch(/model "m1" lived in peer 1, which is gone/);
        const fresh = await remote.build(MLP, { seed: 1 });
        expect((await fresh.predict(X)).shape).toEqual([3, 2]);
        expect(transport.started).toBe(2);
      } else {
        expect((await model.predict(X)).shape).toEqual([3, 2]);
        expect(transport.started).toBe(1);
      }
      await remote.close();
    });
  }

  it('a message nobody asked for kills the connection between calls', async () => {
    const transport = peers(
      onFirst('build', (_f, honest, p) => {
        honest();
        setTimeout(() => p.raw(encodeFrame({ type: 'reply', id: 99 })), 20);
      }),
    );
    const remote = await connect(transport);
    const model = await remote.build(MLP, { seed: 1 });
    await new Promise((r) => setTimeout(r, 60));
    const e = await rejection(model.predict(X));
    expect((e as ProtocolError).kind).toBe('lost');
    expect(e.message).toMatch(/unsolicited message 'reply' \(id 99\)/);
    await remote.close();
  });

  it('progress keeps a long call alive; silence after it does not', async () => {
    const slow = (beats: number, thenReply: boolean): Misbehaviour =>
      onFirst('predict', (f, honest, p) => {
        let n = 0;
        const t = setInterval(() => {
          if (n++ < beats) p.reply({ type: 'progress', event: 'heartbeat' });
          else {
            clearInterval(t);
            if (thenReply) honest();
          }
        }, 60);
        void f;
      });
    const ok = await connect(peers(slow(6, true)), 150);
    expect((await (await ok.build(MLP, { seed: 1 })).predict(X)).shape).toEqual([3, 2]);
    await ok.close();
    const hung = await connect(peers(slow(3, false)), 150);
    const e = await rejection((await hung.build(MLP, { seed: 1 })).predict(X));
    expect(e.message).toMatch(/no message for 'predict' \(id \d+\) within 0\.1 s of its last progress message/);
    await hung.close();
  });

  it("an unknown error name stays the peer's, with its message", async () => {
    const remote = await connect(peers(onFirst('predict', (_f, _h, p) => p.reply({ type: 'error', name: 'ValueError', message: 'bad input' }))));
    const e = await rejection((await remote.build(MLP, { seed: 1 })).predict(X));
    expect(e).toBeInstanceOf(RemoteError);
    expect(e.message).toBe("ValueError: bad input (in 'predict' (id 2))");
    await remote.close();
  });
});

describe('the handshake', () => {
  const helloPeer =
    (reply: Record<string, unknown>): TransportFactory =>
    async () => {
      const [suite, impl] = transportPair('hello peer');
      const d = new FrameDecoder();
      impl.onData((c) => {
        for (const f of d.push(c)) impl.send(encodeFrame({ type: 'reply', id: f.header.id, ...reply }));
      });
      impl.onClose(() => undefined);
      return suite;
    };
  const hello = { implementation: { name: 'x', version: '1' }, capabilities: { layers: ['Dense'] } };

  it('refuses a protocol version the suite does not speak', async () => {
    const e = await rejection(connect(helloPeer({ ...hello, protocol: 99 })));
    expect((e as ProtocolError).kind).toBe('version');
    expect(e.message).toMatch(/chose protocol version 99; this suite speaks 1/);
  });

  it('refuses capabilities it does not know', async () => {
    const e = await rejection(connect(helloPeer({ ...hello, protocol: 1, capabilities: { layers: ['Dense', 'LSTM'] } })));
    expect(e.message).toMatch(/unknown layer types LSTM/);
  });

  it('an unavailable implementation skips with its reason and install command', async () => {
    const remote: Implementation = await connect(
      helloPeer({ ...hello, protocol: 1, unavailable: { reason: 'no torch', install: 'apt-get install -y python3-torch' } }),
    );
    expect(remote.unavailable).toBe('no torch — install it with: apt-get install -y python3-torch');
    expect(await rejection(remote.build(MLP))).toBeInstanceOf(UnsupportedError);
    expect((await remote.info()).backend).toBe('unavailable');
  });

  it('a peer that cannot be started is a start error', async () => {
    const e = await rejection(
      connect(async () => {
        throw new Error('spawn nothing ENOENT');
      }),
    );
    expect((e as ProtocolError).kind).toBe('start');
  });
});

describe('fit through the protocol is the same fit', () => {
  it('TF.js served over the protocol: the same History, callbacks and weights as in process', async () => {
    const tfjs = (await import('../../src/impl/tfjs/index.js')).default;
    const served: TransportFactory = async () => {
      const [suite, impl] = transportPair('tfjs peer');
      serveImplementation(tfjs, impl);
      return suite;
    };
    const remote = await connect(served, 30_000);
    const arch: Architecture = {
      kind: 'sequential',
      inputShape: [4],
      layers: [
        { type: 'Dense', units: 8, activation: 'relu' },
        { type: 'Dropout', rate: 0.3 },
        { type: 'Dense', units: 2, activation: 'softmax' },
      ],
    };
    const x = { shape: [20, 4], data: Float32Array.from({ length: 80 }, (_, i) => Math.sin(i)) };
    const y = { shape: [20, 2], data: Float32Array.from({ length: 40 }, (_, i) => (i % 2 === Math.floor(i / 2) % 2 ? 1 : 0)) };
    const config = {
      optimizer: { type: 'adam' as const, lr: 0.05 },
      loss: 'categorical_crossentropy' as const,
      batchSize: 6,
      epochs: 2,
      seed: 4,
      validationSplit: 0.2,
    };
    const run = async (impl: Implementation) => {
      const model = await impl.build(arch, { seed: 2 });
      const calls: unknown[] = [];
      const history = await model.fit!(x, y, config, {
        onBatchEnd: (b) => calls.push(['batch', b]),
        onEpochEnd: (e) => calls.push(['epoch', { ...e, seconds: 0 }]),
      });
      const weights = (await model.getWeights()).map((w) => Array.from(w.tensor.data));
      model.dispose();
      return { history: { ...history, epochs: history.epochs.map((e) => ({ ...e, seconds: 0 })) }, calls, weights };
    };
    const [inProcess, overProtocol] = [await run(tfjs), await run(remote)];
    expect(overProtocol).toEqual(inProcess);
    await remote.close();
  }, 60_000);
});
