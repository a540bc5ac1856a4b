import { exitCodeFor } from './exit-code-for.js';
import { redactUrl } from '../log/redact-url.js';

/**
 * Wraps a command's action: its resolved number is the exit code; a thrown error is printed as one
 * clear line (the error's own message names what failed and what to do) and mapped by exitCodeFor.
 */
export function runAction<A extends unknown[]>(action: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      process.exitCode = await action(...args);
    } catch (error) {
      const message = redactUrl(error instanceof Error ? error.message : String(error));
      process.stderr.write(`onoffice-sync: ${message}\n`);
      if (process.env.ONOFFICE_SYNC_DEBUG && error instanceof Error && error.stack) {
        process.stderr.write(`${redactUrl(error.stack)}\n`);
      }
      process.exitCode = exitCodeFor(error);
    }
  };
}
