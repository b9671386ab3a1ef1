/**
 * The first transport: a child process that speaks the protocol on its stdin (requests) and stdout
 * (replies); its stderr is its own (logs, tracebacks), kept for error messages and passed on line by line.
 * Node-only. The process stays in the spec runner's process group, so `mnist-spec conform`'s watchdog
 * takes it down with the runner; terminate() kills it (SIGKILL) — a wrapper script should `exec` its program.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ProtocolError } from './errors.js';
import { parseExecSpec, type ExecSpec } from './exec-spec.js';
import { RemoteImplementation, type RemoteOptions } from './implementation.js';
import type { Transport, TransportClosed, TransportFactory } from './transport.js';

/** How much of the child's stderr an error message quotes. */
const STDERR_TAIL_BYTES = 4000;
/** After the child exits, how long to wait for its pipes to close (a grandchild may hold them) before reporting. */
const PIPE_GRACE_MS = 1000;

export interface ExecTransportOptions {
  /** Each complete line the process writes to stderr (default: none). */
  onStderrLine?: (line: string) => void;
  /** Added to the spec's own environment, below it. */
  env?: Record<string, string>;
}

const children = new Set<ChildProcess>();
let exitHook = false;
/** No child outlives the process that started it, whatever way it exits. */
function killChildrenOnExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const c of children) c.kill('SIGKILL');
  });
}

function shorten(s: string, n = 100): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export function execTransport(spec: ExecSpec, opts: ExecTransportOptions = {}): TransportFactory {
  return () =>
    new Promise<Transport>((resolve, reject) => {
      killChildrenOnExit();
      const child = spawn(spec.argv[0]!, spec.argv.slice(1), {
        ...(spec.cwd ? { cwd: spec.cwd } : {}),
        env: { ...process.env, PYTHONUNBUFFERED: '1', ...opts.env, ...spec.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const description = `${shorten(spec.argv.join(' '))}${child.pid ? ` (pid ${child.pid})` : ''}`;
      let dataListener: ((chunk: Uint8Array) => void) | undefined;
      let closeListener: ((c: TransportClosed) => void) | undefined;
      const early: Uint8Array[] = [];
      let stderrTail = '';
      let stderrLine = '';
      let alive = true;
      let requested: string | undefined;
      let exited: string | undefined;
      let reported = false;

      const report = (): void => {
        if (reported) return;
        reported = true;
        alive = false;
        children.delete(child);
        if (stderrLine) opts.onStderrLine?.(stderrLine);
        closeListener?.({ reason: requested ? `was terminated (${requested})` : (exited ?? 'closed its pipes'), requested: !!requested });
      };

      child.once('error', (e) => {
        if (!child.pid) {
          reject(
            new ProtocolError(
              'start',
              `cannot start ${spec.argv[0]}: ${e.message}${(e as NodeJS.ErrnoException).code === 'ENOENT' ? ' (not found: give a path or a program on PATH)' : ''}`,
            ),
          );
          return;
        }
        exited ??= `failed: ${e.message}`;
        report();
      });
      child.once('spawn', () => {
        children.add(child);
        resolve(transport);
      });
      child.stdout!.on('data', (chunk: Uint8Array) => {
        if (dataListener) dataListener(chunk);
        else early.push(chunk);
      });
      child.stderr!.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        stderrTail = (stderrTail + text).slice(-STDERR_TAIL_BYTES);
        if (!opts.onStderrLine) return;
        const lines = (stderrLine + text).split('\n');
        stderrLine = lines.pop()!;
        for (const l of lines) opts.onStderrLine(l);
      });
      // A child that died leaves writes failing with EPIPE: its exit is reported through 'exit'/'close'.
      child.stdin!.on('error', () => undefined);
      child.once('exit', (code, signal) => {
        exited = code !== null ? `exited with code ${code}` : `was killed by ${signal}`;
        alive = false;
        setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          report();
        }, PIPE_GRACE_MS).unref();
      });
      child.once('close', report);

      const transport: Transport = {
        description,
        get alive() {
          return alive && !requested;
        },
        send(bytes) {
          if (!alive || requested || !child.stdin!.writable) return;
          child.stdin!.write(bytes);
        },
        onData(listener) {
          dataListener = listener;
          for (const c of early.splice(0)) listener(c);
        },
        onClose(listener) {
          closeListener = listener;
          if (reported) listener({ reason: exited ?? 'closed', requested: !!requested });
        },
        diagnostics: () => stderrTail.split('\n').slice(-15).join('\n'),
        terminate(reason) {
          if (requested) return;
          requested = reason.split('\n')[0]!.slice(0, 200);
          child.stdin!.destroy();
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        },
      };
    });
}

/** Defaults from the environment: MNIST_SPEC_REMOTE_TIMEOUT (seconds of silence allowed per call). */
function envTimeoutMs(): number | undefined {
  const v = process.env.MNIST_SPEC_REMOTE_TIMEOUT;
  if (v === undefined || v === '') return undefined;
  const s = Number(v);
  return s > 0 ? s * 1000 : undefined;
}

/** `exec:…` → a connected RemoteImplementation (the first process started and its handshake done). */
export async function execImplementation(
  given: string | ExecSpec,
  overrides: Partial<RemoteOptions> & ExecTransportOptions = {},
): Promise<RemoteImplementation> {
  const spec = typeof given === 'string' ? parseExecSpec(given) : given;
  const { onStderrLine, env, ...remote } = overrides;
  const timeoutMs = spec.timeoutMs ?? envTimeoutMs();
  return RemoteImplementation.connect({
    name: spec.name,
    transport: execTransport(spec, {
      onStderrLine: onStderrLine ?? ((line) => console.error(`[${spec.name}] ${line}`)),
      ...(env ? { env } : {}),
    }),
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(spec.helloTimeoutMs ? { helloTimeoutMs: spec.helloTimeoutMs } : {}),
    ...remote,
  });
}
