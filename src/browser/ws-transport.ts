import type { WebSocket } from 'ws';
import type { Transport, TransportClosed } from '../impl/remote/transport.js';

/**
 * The runner's end of the remote protocol's carrier to a browser page: the page's WebSocket as the server
 * accepted it (src/browser/server.ts), one binary message per frame. `diagnostics` gives the page's recent
 * console and errors, which the protocol quotes when the page fails.
 */
export function webSocketTransport(ws: WebSocket, description: string, diagnostics?: () => string): Transport {
  let data: ((chunk: Uint8Array) => void) | undefined;
  let close: ((c: TransportClosed) => void) | undefined;
  const early: Uint8Array[] = [];
  let requested = false;
  let closed: TransportClosed | undefined;
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
    const buf = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    const chunk = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    if (data) data(chunk);
    else early.push(chunk);
  });
  ws.on('close', (code: number, reason: Buffer) => {
    closed = { reason: `the page's socket closed (${code}${reason.length ? `: ${reason.toString()}` : ''})`, requested };
    close?.(closed);
  });
  ws.on('error', () => ws.terminate());
  return {
    description,
    get alive() {
      return ws.readyState === ws.OPEN && !requested;
    },
    send(bytes) {
      if (ws.readyState === ws.OPEN) ws.send(bytes, { binary: true });
    },
    onData(listener) {
      data = listener;
      for (const c of early.splice(0)) listener(c);
    },
    onClose(listener) {
      close = listener;
      if (closed) listener(closed);
    },
    ...(diagnostics ? { diagnostics } : {}),
    terminate(reason) {
      if (requested) return;
      requested = true;
      ws.close(1000, reason.slice(0, 120));
      // A page that does not answer the close handshake is cut off.
      setTimeout(() => ws.terminate(), 1000).unref();
    },
  };
}
