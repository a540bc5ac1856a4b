#!/usr/bin/env node
import { createProgram } from './create-program.js';
import { EXIT_OK, EXIT_SETUP } from './exit-code-for.js';
import { loadCommander } from './load-commander.js';

// The same class the commands throw (see load-commander.ts).
const { CommanderError } = loadCommander();

try {
  await (await createProgram(process.argv)).parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // Commander has already printed the problem and the usage; --help and --version end here with 0.
  process.exitCode = error.exitCode === 0 ? EXIT_OK : EXIT_SETUP;
}
