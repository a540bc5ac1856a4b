import type { ErrorKind } from '../domain/classify-error.js';

/** The state database was written by a newer onoffice-sync than this one: refusing to touch it. */
export class StateVersionError extends Error {
  override readonly name = 'StateVersionError';
  readonly kind: ErrorKind = 'setup';

  constructor(
    readonly path: string,
    readonly databaseVersion: number,
    readonly codeVersion: number,
  ) {
    super(
      `state database ${path}: state database is at version ${databaseVersion}, this onoffice-sync knows ${codeVersion}: ` +
        'upgrade onoffice-sync or point STATE_DB elsewhere',
    );
  }
}
