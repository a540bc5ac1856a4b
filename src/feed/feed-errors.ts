import type { ErrorKind } from '../domain/classify-error.js';

/** A feed named on the command line is not in the configuration's `feeds` list. */
export class FeedNotFoundError extends Error {
  override readonly name = 'FeedNotFoundError';
  readonly kind: ErrorKind = 'setup';
  constructor(
    readonly feedName: string,
    readonly configured: readonly string[],
  ) {
    const known = configured.length > 0 ? `configured feeds: ${configured.join(', ')}` : 'no feeds are configured';
    super(
      `feed ${feedName} is not in the configuration (${known}): add "- name: ${feedName}" under "feeds:" in the config file, then run the command again`,
    );
  }
}

/** `feed add` for a feed that already has a token: the old one would silently stop working. */
export class FeedTokenExistsError extends Error {
  override readonly name = 'FeedTokenExistsError';
  readonly kind: ErrorKind = 'item';
  constructor(readonly feedName: string) {
    super(`feed ${feedName} already has a token: run "onoffice-sync feed rotate ${feedName}" to replace it (the old URL stops working)`);
  }
}

/**
 * The feed cache (migration 021) disagrees with the appointments it was built from, which only a change
 * to the appointments table that bypassed change_seq can cause. createFeedCache catches it, drops the
 * cache and rebuilds it from the appointments in the same request.
 */
export class FeedCacheOutOfStepError extends Error {
  override readonly name = 'FeedCacheOutOfStepError';
  readonly kind: ErrorKind = 'transient';
  constructor(
    readonly appointmentId: number,
    readonly problem: string,
  ) {
    super(`feed cache out of step with appointment ${appointmentId} (${problem}): rebuilding it from the appointments`);
  }
}
