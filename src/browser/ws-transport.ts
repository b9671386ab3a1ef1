import type { WebSocket } from 'ws';
import type { Transport, TransportClosed } from '../impl/remote/transport.js';

/**
 * The runner's end of the remote protocol's carrier to a browser page: the page's WebSocket as the server
 * accepted it (src/browser/server.ts), one binary message per frame. `diagnostics` gives the page's recent
 * console and errors, which the protocol quotes when the page fails; `why` says what the runner saw happen to
 * the page (its renderer crashed, it threw outside any call), which then becomes the reason the socket closed. Reasons
 * read after the transport's description, as a process's do: "<a chromium page running X> crashed … during 'fit'".
 */
export interface PageTransport extends Transport {
  /** The page failed in a way the runner saw (an error outside any call): close, reporting it as the other side's failure. */
  fail(reason: string): void;
}

/**
 * When the socket drops on its own, how long to wait at most for the browser's own account of why (a 'crash' event),
 * looking every CRASH_POLL_MS: on a loaded machine the event can follow the socket's close by more than a second.
 */
const CRASH_NOTICE_MS = 5000;
const CRASH_POLL_MS = 50;

export function webSocketTransport(ws: WebSocket, description: string, diagnostics?: () => string, why?: () => string | undefined): PageTransport {
  let data: ((chunk: Uint8Array) => void) | undefined;
  let close: ((c: TransportClosed) => void) | undefined;
  const early: Uint8Array[] = [];
  let requested = false;
  let failure: string | undefined;
  let closed: TransportClosed | undefined;
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
    const buf = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    const chunk = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    if (data) data(chunk);
    else early.push(chunk);
  });
  ws.on('close', (code: number, reason: Buffer) => {
    const report = (): void => {
      const seen = failure ?? why?.();
      closed = { reason: seen ?? `closed its WebSocket (${code}${reason.length ? `: ${reason.toString()}` : ''})`, requested: requested && !failure };
      close?.(closed);
    };
    // A socket that drops unasked is usually a renderer that died: the browser's 'crash' event names it, a moment later.
    if (requested || failure || !why) return report();
    const started = Date.now();
    const poll = (): void => {
      if (why?.() !== undefined || Date.now() - started >= CRASH_NOTICE_MS) report();
      else setTimeout(poll, CRASH_POLL_MS).unref();
    };
    setTimeout(poll, CRASH_POLL_MS).unref();
  });
  ws.on('error', () => ws.terminate());
  const shut = (reason: string): void => {
    ws.close(1000, reason.slice(0, 120));
    // A page that does not answer the close handshake (its event loop blocked) is cut off.
    setTimeout(() => ws.terminate(), 1000).unref();
  };
  return {
    description,
    get alive() {
      return ws.readyState === ws.OPEN && !requested && !failure;
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
      if (requested || failure) return;
      requested = true;
      shut(reason);
    },
    fail(reason) {
      if (requested || failure) return;
      failure = reason;
      shut(reason);
    },
  };
}
