import type { ErrorKind } from '../domain/classify-error.js';

/** The configuration cannot be used: `key` names the option, the message says how to fix it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly kind: ErrorKind = 'setup';
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`configuration: ${key} ${problem}`);
  }
}
