#!/usr/bin/env node
import { runCli } from './cli.js';

/** The `mnist-spec` command: the program is in cli.ts, the exit codes in errors.ts. */
process.exitCode = await runCli(process.argv);
