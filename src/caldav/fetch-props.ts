import { CaldavNotFoundError, CaldavProtocolError } from './caldav-errors.js';
import { normaliseHref, sameCollection } from './normalise-href.js';
import type { DavEntry } from './parse-multistatus.js';
import type { DavProps } from './read-multistatus.js';
import { renderPropfindBody, sendDavRequest } from './send-dav-request.js';

/** A Depth 0 PROPFIND of the named props (`d:getetag`, …): the resource's props, or null when it does not exist. */
export async function fetchProps(davFetch: typeof fetch, url: string, props: readonly string[]): Promise<DavProps | null> {
  let entries: DavEntry[];
  try {
    ({ responses: entries } = await sendDavRequest(davFetch, { method: 'PROPFIND', url, depth: '0', body: renderPropfindBody(props) }));
  } catch (error) {
    if (error instanceof CaldavNotFoundError) return null;
    throw error;
  }
  const entry = entries.find((response) => sameCollection(normaliseHref(response.href, url), normaliseHref(url, url))) ?? entries[0];
  if (!entry) throw new CaldavProtocolError({ method: 'PROPFIND', url, detail: 'the multistatus names no resource' });
  if (entry.status === 404) return null;
  return entry.props;
}
