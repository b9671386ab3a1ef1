/**
 * Implementations in another process or page, judged through one protocol (docs/protocol.md): the frame
 * codec, the messages, the Transport a carrier implements, the suite's adapter (RemoteImplementation) and
 * the implementation's side in TypeScript (serveImplementation).
 *
 * The implementation's side — frame.ts, messages.ts, errors.ts, transport.ts, serve.ts — uses no Node API:
 * a browser page imports those modules directly (not this index, which also brings the suite's side:
 * implementation.ts reads the package version, exec*.ts start processes).
 */
export * from './errors.js';
export * from './frame.js';
export * from './messages.js';
export * from './transport.js';
export * from './connection.js';
export * from './implementation.js';
export * from './serve.js';
export * from './exec-spec.js';
