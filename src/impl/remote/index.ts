/**
 * Implementations in another process or page, judged through one protocol (docs/protocol.md): the frame
 * codec, the messages, the Transport a carrier implements, the suite's adapter (RemoteImplementation) and
 * the implementation's side in TypeScript (serveImplementation). Everything here but exec*.ts and
 * serve-stdio.ts is free of Node APIs, so a browser page can import it.
 */
export * from './errors.js';
export * from './frame.js';
export * from './messages.js';
export * from './transport.js';
export * from './connection.js';
export * from './implementation.js';
export * from './serve.js';
export * from './exec-spec.js';
