#!/usr/bin/env node
import { CommanderError } from 'commander';
import { createProgram } from './create-program.js';
import { EXIT_OK, EXIT_SETUP } from './exit-code-for.js';

try {
  await (await createProgram(process.argv)).parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // Commander has already printed the problem and the usage; --help and --version end here with 0.
  process.exitCode = error.exitCode === 0 ? EXIT_OK : EXIT_SETUP;
}
