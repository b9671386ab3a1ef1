/**
 * What can go wrong between the suite and an implementation on the other side of a transport. Every
 * failure of the other side (it exits, hangs, writes garbage, replies out of order, lies about a tensor)
 * becomes a ProtocolError naming the message concerned, so a spec fails with that reason and the run goes
 * on. An error the implementation itself reports (an error reply) becomes the suite's own error class when
 * the name is one it knows (ArgumentError keeps the argument named), else a RemoteError.
 */
import { ArgumentError, DataFormatError, MnistSpecError, UnsupportedError } from '../../errors.js';

export type ProtocolErrorKind =
  /** Bytes that are not a well-formed frame (bad magic, lengths, JSON, tensor table, truncation). */
  | 'frame'
  /** A well-formed frame whose fields do not fit its message (missing or mistyped field, unknown type). */
  | 'schema'
  /** A reply to a request that is not the one outstanding, or a message when none was asked for. */
  | 'order'
  /** A reply tensor with the wrong name, dtype or shape. */
  | 'tensor'
  /** No message within the call's timeout: the other side was killed. */
  | 'timeout'
  /** The other side exited or closed the connection. */
  | 'exit'
  /** The handshake failed: no common protocol version, or a bad hello. */
  | 'version'
  /** The other side could not be started. */
  | 'start'
  /** A model that lived in a process that is gone. */
  | 'lost';

export class ProtocolError extends MnistSpecError {
  override name = 'ProtocolError';
  constructor(
    readonly kind: ProtocolErrorKind,
    readonly detail: string,
  ) {
    super(`protocol error (${kind}): ${detail}`);
  }
}

/** An error reply whose name the suite has no class for: the implementation's own name and message. */
export class RemoteError extends MnistSpecError {
  override name = 'RemoteError';
  constructor(
    readonly remoteName: string,
    message: string,
    readonly remoteStack?: string,
  ) {
    super(`${remoteName}: ${message}`);
  }
}

/** The fields of an error reply (docs/protocol.md "Errors"). */
export interface ErrorReply {
  name: string;
  message: string;
  argument?: string;
  detail?: string;
  file?: string;
  field?: string;
  stack?: string;
}

/** An error reply as the suite's own error class, so specs that expect e.g. an ArgumentError naming `weights[2]` see one. */
export function errorFromReply(reply: ErrorReply, context: string): Error {
  const message = typeof reply.message === 'string' ? reply.message : JSON.stringify(reply.message);
  let e: Error;
  switch (reply.name) {
    case 'ArgumentError':
      e =
        typeof reply.argument === 'string'
          ? new ArgumentError(reply.argument, reply.detail ?? stripPrefix(message, reply.argument))
          : new RemoteError(reply.name, message);
      break;
    case 'UnsupportedError':
      e = new UnsupportedError(message);
      break;
    case 'DataFormatError':
      e =
        typeof reply.file === 'string' && typeof reply.field === 'string'
          ? new DataFormatError(reply.file, reply.field, reply.detail ?? message)
          : new RemoteError(reply.name, message);
      break;
    default:
      e = new RemoteError(String(reply.name), `${message} (in ${context})`, reply.stack);
  }
  if (typeof reply.stack === 'string' && reply.stack) e.stack = `${e.name}: ${e.message}\n  --- on the other side of the protocol ---\n${reply.stack}`;
  return e;
}

/** `weights[2]: expected …` → `expected …` when an ArgumentError's message repeats its argument. */
function stripPrefix(message: string, argument: string): string {
  return message.startsWith(`${argument}: `) ? message.slice(argument.length + 2) : message;
}
