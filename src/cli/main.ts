#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { MnistSpecError } from '../errors.js';
import { registerCheck } from './commands/check.js';
import { registerConform } from './commands/conform.js';
import { registerData } from './commands/data.js';
import { registerReproduce } from './commands/reproduce.js';
import { registerSummary } from './commands/summary.js';
import { VERSION } from '../version.js';

/** `mnist-spec <command>`: each command lives in ./commands and registers itself here. */
export function buildProgram(): Command {
  const program = new Command('mnist-spec')
    .description('Executable specification of the classic Keras MNIST notebooks')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerData(program);
  registerSummary(program);
  registerReproduce(program);
  registerConform(program);
  registerCheck(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof MnistSpecError) {
      process.stderr.write(`mnist-spec: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv);
