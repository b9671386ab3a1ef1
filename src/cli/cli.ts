import '../util/no-telemetry.js';
import { Command } from 'commander';
import { installSignalCleanup } from '../util/cleanup.js';
import { VERSION } from '../version.js';
import { registerCheck } from './commands/check.js';
import { registerConform } from './commands/conform.js';
import { registerData } from './commands/data.js';
import { registerReproduce } from './commands/reproduce.js';
import { registerSummary } from './commands/summary.js';
import { endingOf, takeDebugFlag } from './errors.js';

/**
 * The `mnist-spec` program, apart from its entry point (main.ts) so that it can be run in-process (the
 * robustness suite runs many argument lists through one Node process). Each command lives in ./commands
 * and registers itself here; every way a command ends goes through the error policy of ./errors.ts.
 */
export function buildProgram(): Command {
  const program = new Command('mnist-spec')
    .description('Executable specification of the classic Keras MNIST notebooks')
    .version(VERSION)
    .exitOverride()
    // Commander's own error text (and help after an error) is replaced by the one line of the error policy.
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined })
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 a judged failure, 2 bad usage or bad input, 3 internal error, 130 interrupted.\n--debug (anywhere) prints the stack trace of an error.',
    );
  registerData(program);
  registerSummary(program);
  registerReproduce(program);
  registerConform(program);
  registerCheck(program);
  return program;
}

/** Run one command line (`argv` as process.argv: node, script, args…); returns the exit code. */
export async function runCli(argv: readonly string[], opts: { debug?: boolean } = {}): Promise<number> {
  const { argv: args, debug: debugFlag } = takeDebugFlag(argv);
  const debug = debugFlag || opts.debug || process.env.MNIST_SPEC_DEBUG === '1';
  process.exitCode = undefined;
  installSignalCleanup();
  const command = args.slice(2).find((a) => !a.startsWith('-'));
  try {
    await buildProgram().parseAsync(args);
    const code = process.exitCode === undefined ? 0 : Number(process.exitCode);
    process.exitCode = undefined;
    return code;
  } catch (e) {
    process.exitCode = undefined;
    const ending = endingOf(e, command);
    if (ending.line) process.stderr.write(`mnist-spec: ${ending.line}\n`);
    if (debug && e instanceof Error && e.stack && ending.code !== 0)
      process.stderr.write(`${e.stack}\n${e.cause instanceof Error && e.cause.stack ? `caused by: ${e.cause.stack}\n` : ''}`);
    return ending.code;
  }
}
