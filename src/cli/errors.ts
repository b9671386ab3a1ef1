import { CommanderError } from 'commander';
import { MnistSpecError } from '../errors.js';
import { describeFsError } from '../util/fs.js';

/**
 * The CLI's one error policy: every way a command can end maps to an exit code and at most one line on
 * stderr naming the argument or file and what is wrong. No stack trace unless --debug (or MNIST_SPEC_DEBUG=1).
 *
 *   0    success: the command did what was asked; conform: the implementation conforms; check: every claim holds
 *   1    a judged failure: does not conform, nothing judged, a claim fails, a reproduction misses its bound or its
 *        implementation fails while training
 *   2    bad usage or bad input: an unknown command or flag, a flag's value, a file that is missing, unreadable,
 *        too large or malformed, an output location that cannot be written, a query or shard that selects nothing
 *   3    an internal error: a bug in mnist-spec (please report it, with the output of --debug)
 *   130  interrupted by SIGINT (Ctrl-C); 143 by SIGTERM, 129 by SIGHUP: temporary files removed, nothing half-written
 */
export const EXIT = { ok: 0, judgedFailure: 1, usage: 2, internal: 3 } as const;

/** A failure of what is being judged (an implementation that fails while it trains): exit 1 with one line. */
export class JudgedFailure extends Error {
  override name = 'JudgedFailure';
}

export interface Ending {
  code: number;
  /** The one line for stderr (without the `mnist-spec: ` prefix); undefined when commander already printed what it had to. */
  line?: string;
}

/** At most this many characters of a message go on the line. */
const MAX_LINE = 1000;
/** A message as one line: line breaks and other control characters (JSON.parse quotes the bad text) become spaces. */
const oneLine = (s: string): string => {
  const line = s
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line;
};
const COMMANDS = ['data', 'summary', 'reproduce', 'conform', 'check'];

/** Map anything a command can throw to the policy above. `command` is the subcommand, for a usage hint. */
export function endingOf(e: unknown, command?: string): Ending {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return { code: EXIT.ok };
    const help = `see mnist-spec ${command && COMMANDS.includes(command) ? `${command} ` : ''}--help`;
    if (e.code === 'commander.help') return { code: EXIT.usage, line: `no command given (${help}; commands: ${COMMANDS.join(', ')})` };
    return { code: EXIT.usage, line: `${oneLine(e.message).replace(/^error: /, '')} (${help})` };
  }
  if (e instanceof JudgedFailure) return { code: EXIT.judgedFailure, line: oneLine(e.message) };
  if (e instanceof MnistSpecError) return { code: EXIT.usage, line: oneLine(e.message) };
  const fs = describeFsError(e);
  if (fs) {
    const err = e as NodeJS.ErrnoException & { dest?: string };
    const where = err.path ? `${err.path}${err.dest ? ` → ${err.dest}` : ''}: ` : '';
    return { code: EXIT.usage, line: `${where}${fs}` };
  }
  const message = e instanceof Error ? oneLine(e.message) : String(e);
  return { code: EXIT.internal, line: `internal error: ${message} (a bug in mnist-spec: run again with --debug for the stack trace, and report it)` };
}

/** `--debug` may stand anywhere before `--`: it is taken out of argv before the commands parse it. */
export function takeDebugFlag(argv: readonly string[]): { argv: string[]; debug: boolean } {
  const end = argv.indexOf('--');
  const head = end < 0 ? [...argv] : argv.slice(0, end);
  const tail = end < 0 ? [] : argv.slice(end);
  const kept = head.filter((a) => a !== '--debug');
  return { argv: [...kept, ...tail], debug: kept.length !== head.length };
}
