#!/usr/bin/env node
import { createRequire } from 'node:module';
import { createProgram } from './create-program.js';
import { EXIT_OK, EXIT_SETUP } from './exit-code-for.js';

// As create-program.ts requires commander: the same class the commands throw.
const { CommanderError } = createRequire(import.meta.url)('commander') as typeof import('commander');

try {
  await (await createProgram(process.argv)).parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // Commander has already printed the problem and the usage; --help and --version end here with 0.
  process.exitCode = error.exitCode === 0 ? EXIT_OK : EXIT_SETUP;
}
