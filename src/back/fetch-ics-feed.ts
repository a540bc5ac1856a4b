import type { ImportConfig } from '../config/config-schema.js';
import { describeError } from '../domain/classify-error.js';
import { parseIcsObjects, type VEventLike } from '../ical/parse-ics-objects.js';
import { IcsImportFetchError } from './import-ics-errors.js';

/*
 * The read side of an ICS import: an HTTP calendar is a read-only storage (as vdirsyncer treats it). One
 * GET, conditional on the validators of the last fully applied fetch; it returns the feed's events and
 * its new validators, or that nothing changed (304). It never writes anywhere.
 */

/** ETag / Last-Modified of a fetch, as the feed sent them. */
export interface FeedValidators {
  readonly etag: string | null;
  readonly lastModified: string | null;
}

export type IcsFeedAnswer =
  | { readonly kind: 'not-modified' }
  | { readonly kind: 'fetched'; readonly events: VEventLike[]; readonly validators: FeedValidators };

/** GETs the feed; `since` (null: unconditional) makes it conditional. Throws IcsImportFetchError. */
export async function fetchIcsFeed(feed: Pick<ImportConfig, 'name' | 'url' | 'timeoutMs'>, since: FeedValidators | null, fetchImpl: typeof fetch = fetch): Promise<IcsFeedAnswer> {
  const headers: Record<string, string> = { accept: 'text/calendar, */*;q=0.5' };
  if (since?.etag) headers['if-none-match'] = since.etag;
  if (since?.lastModified) headers['if-modified-since'] = since.lastModified;
  const origin = new URL(feed.url).origin;
  let response: Response;
  let text = '';
  try {
    response = await fetchImpl(feed.url, { headers, signal: AbortSignal.timeout(feed.timeoutMs) });
    if (response.status !== 304) text = await response.text();
  } catch (error) {
    throw new IcsImportFetchError(feed.name, origin, null, describeError(error));
  }
  if (response.status === 304) return { kind: 'not-modified' };
  if (response.status !== 200) throw new IcsImportFetchError(feed.name, origin, response.status, '');
  return { kind: 'fetched', events: parseIcsObjects(text), validators: { etag: response.headers.get('etag'), lastModified: response.headers.get('last-modified') } };
}
