/**
 * A transport carries the protocol's bytes between the suite and an implementation, and knows nothing
 * of frames: a child process's stdin/stdout (exec.ts), a WebSocket to a browser page, an in-memory pair
 * (tests). The connection reassembles frames from whatever chunks arrive, so a stream that splits frames
 * anywhere and a message channel that delivers one frame per message both work.
 */
export interface TransportClosed {
  /** What happened, for an error message: "exited with code 1", "killed by SIGKILL", "socket closed (1006)". */
  reason: string;
  /** Did this side ask for it (terminate())? Then it is not a failure of the other side. */
  requested: boolean;
}

export interface Transport {
  /** For error messages: what is on the other side ("python3 impl.py (pid 4242)"). */
  readonly description: string;
  /** False once the other side is gone or terminate() was called. */
  readonly alive: boolean;
  /** Send bytes (one whole frame per call). Never throws for a dead peer: that arrives through onClose. */
  send(bytes: Uint8Array): void;
  /** Incoming bytes, in any chunking. Set once by the connection. */
  onData(listener: (chunk: Uint8Array) => void): void;
  /** Called once when the other side is gone, after the last onData. */
  onClose(listener: (closed: TransportClosed) => void): void;
  /** Recent diagnostic output of the other side (a process's stderr tail, a page's console), for error messages. */
  diagnostics?(): string;
  /** Tear down now (kill the process, close the socket). Idempotent; onClose follows with requested: true. */
  terminate(reason: string): void;
}

/** Starts a fresh other side: a new process, a new page connection. Called again after the previous one failed. */
export type TransportFactory = () => Promise<Transport>;

/**
 * Two connected in-memory transports (tests, and an implementation served in the same process): what one
 * sends the other receives, asynchronously, as a real pipe would deliver it.
 */
export function transportPair(description = 'in-memory peer'): [Transport, Transport] {
  interface End {
    data?: (chunk: Uint8Array) => void;
    close?: (c: TransportClosed) => void;
    queued: Uint8Array[];
    alive: boolean;
    closed: boolean;
  }
  const ends: [End, End] = [
    { queued: [], alive: true, closed: false },
    { queued: [], alive: true, closed: false },
  ];
  const deliver = (to: End): void => {
    queueMicrotask(() => {
      if (!to.data) return;
      for (const chunk of to.queued.splice(0)) to.data(chunk);
    });
  };
  const shut = (end: End, reason: string, requested: boolean): void => {
    if (end.closed) return;
    end.alive = false;
    end.closed = true;
    // After any data already queued, as a pipe delivers its last bytes before the end.
    setTimeout(() => end.close?.({ reason, requested }), 0);
  };
  const make = (me: End, peer: End): Transport => ({
    description,
    get alive() {
      return me.alive;
    },
    send(bytes) {
      if (!me.alive || !peer.alive) return;
      peer.queued.push(bytes.slice());
      deliver(peer);
    },
    onData(listener) {
      me.data = listener;
      deliver(me);
    },
    onClose(listener) {
      me.close = listener;
    },
    terminate(reason) {
      shut(me, `terminated: ${reason}`, true);
      shut(peer, 'the other side closed the connection', false);
    },
  });
  return [make(ends[0], ends[1]), make(ends[1], ends[0])];
}
