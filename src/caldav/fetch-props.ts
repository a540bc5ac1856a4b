import { propfind, type DAVResponse } from 'tsdav';
import { CaldavNotFoundError, CaldavProtocolError } from './caldav-errors.js';
import { normaliseHref, sameCollection } from './normalise-href.js';
import { readMultistatus, type DavProps } from './read-multistatus.js';

/** A Depth 0 PROPFIND: the resource's props, or null when it does not exist. */
export async function fetchProps(davFetch: typeof fetch, url: string, props: Record<string, object>): Promise<DavProps | null> {
  let responses: DAVResponse[];
  try {
    responses = await propfind({ url, props, depth: '0', fetch: davFetch });
  } catch (error) {
    if (error instanceof CaldavNotFoundError) return null;
    throw error;
  }
  const { responses: entries } = readMultistatus(responses, 'PROPFIND', url);
  const entry = entries.find((response) => sameCollection(normaliseHref(String(response.href), url), normaliseHref(url, url))) ?? entries[0];
  if (!entry) throw new CaldavProtocolError({ method: 'PROPFIND', url, detail: 'the multistatus names no resource' });
  if (entry.status === 404) return null;
  return (entry.props ?? {}) as DavProps;
}
