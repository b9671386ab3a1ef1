import type { Transport, TransportClosed } from '../../impl/remote/transport.js';

/**
 * The page's end of the remote protocol's carrier (docs/protocol.md, "Transports"): the browser's own
 * WebSocket to the runner's loopback server, one binary message per frame. Typed structurally, since the
 * Node program does not see the DOM lib.
 */
interface BrowserSocket {
  binaryType: string;
  readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', l: () => void): void;
  addEventListener(type: 'message', l: (e: { data: ArrayBuffer }) => void): void;
  addEventListener(type: 'close', l: (e: { code: number; reason: string }) => void): void;
}
const OPEN = 1;

export function connectWebSocket(url: string): Promise<Transport> {
  const Socket = (globalThis as unknown as { WebSocket: new (url: string) => BrowserSocket }).WebSocket;
  return new Promise((resolve, reject) => {
    const ws = new Socket(url);
    ws.binaryType = 'arraybuffer';
    let data: ((chunk: Uint8Array) => void) | undefined;
    let close: ((c: TransportClosed) => void) | undefined;
    const early: Uint8Array[] = [];
    let requested = false;
    let opened = false;
    ws.addEventListener('message', (e) => {
      const chunk = new Uint8Array(e.data);
      if (data) data(chunk);
      else early.push(chunk);
    });
    ws.addEventListener('close', (e) => {
      if (!opened) reject(new Error(`the WebSocket to ${url} closed before it opened (${e.code})`));
      close?.({ reason: `socket closed (${e.code}${e.reason ? `: ${e.reason}` : ''})`, requested });
    });
    ws.addEventListener('open', () => {
      opened = true;
      resolve({
        description: `the runner at ${url.replace(/\/ws\/.*/, '')}`,
        get alive() {
          return ws.readyState === OPEN && !requested;
        },
        send(bytes) {
          if (ws.readyState === OPEN) ws.send(bytes);
        },
        onData(listener) {
          data = listener;
          for (const c of early.splice(0)) listener(c);
        },
        onClose(listener) {
          close = listener;
        },
        terminate(reason) {
          requested = true;
          ws.close(1000, reason.slice(0, 120));
        },
      });
    });
  });
}
