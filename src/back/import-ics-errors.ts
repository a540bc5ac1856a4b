import type { ErrorKind } from '../domain/classify-error.js';

/*
 * Failures of one ICS import. Feed URLs of booking tools usually carry a secret in their path or query,
 * so messages name the import and the origin (scheme, host, port) only.
 */

/** The feed could not be fetched, or answered something other than 200/304. */
export class IcsImportFetchError extends Error {
  override readonly name = 'IcsImportFetchError';
  readonly kind: ErrorKind = 'transient';

  constructor(
    readonly importName: string,
    readonly origin: string,
    readonly status: number | null,
    detail: string,
  ) {
    super(
      `ICS import ${importName}: GET ${origin}/… ${status === null ? `failed (${detail})` : `answered HTTP ${status}`}; ` +
        'nothing was changed in onOffice — check the import URL in the config and that the booking tool still publishes the feed',
    );
  }
}

/** The feed suddenly holds no events while appointments were imported from it: taken for an outage. */
export class IcsImportEmptyFeedError extends Error {
  override readonly name = 'IcsImportEmptyFeedError';
  readonly kind: ErrorKind = 'guard';

  constructor(
    readonly importName: string,
    readonly wouldDelete: number,
  ) {
    super(
      `ICS import ${importName}: the feed holds no events, which would delete or cancel ${wouldDelete} upcoming appointment(s); ` +
        'nothing was changed — if the feed is really empty now, re-run with --force-delete',
    );
  }
}
