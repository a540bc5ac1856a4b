import type { ErrorKind } from '../domain/classify-error.js';

/** A migration file could not be applied; its transaction was rolled back, the database is unchanged by it. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  readonly kind: ErrorKind = 'transient';

  constructor(
    readonly file: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`state database migration ${file} failed: ${detail}; the database stays at the previous version — fix the file or report a bug`, options);
  }
}
