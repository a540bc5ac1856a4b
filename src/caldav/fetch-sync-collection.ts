import type { CalendarChanges, CalendarRef, RemoteObject } from './calendar-target.js';
import { CaldavProtocolError } from './caldav-errors.js';
import { normaliseHref, sameCollection } from './normalise-href.js';
import { hasResourceType, readText } from './read-multistatus.js';
import { renderSyncCollectionBody, sendDavRequest } from './send-dav-request.js';

/** A server that keeps answering "truncated" (507) is cut off here; the next run continues from the token. */
const MAX_SYNC_PAGES = 50;

/**
 * RFC 6578 sync-collection from `syncToken` (null: from the start), following 507 truncation pages.
 * `tokenFetch` carries incremental requests, `davFetch` the full listing (see createCaldavTarget).
 */
export async function fetchSyncCollection(
  calendar: CalendarRef,
  syncToken: string | null,
  fetches: { davFetch: typeof fetch; tokenFetch: typeof fetch },
): Promise<CalendarChanges> {
  const changed = new Map<string, RemoteObject>();
  const deleted = new Set<string>();
  let token = syncToken ?? '';
  for (let page = 0; page < MAX_SYNC_PAGES; page++) {
    // Xandikos answers nothing useful without an explicit sync-level (the body carries level 1).
    const { responses: entries, multistatus } = await sendDavRequest(token === '' ? fetches.davFetch : fetches.tokenFetch, {
      method: 'REPORT',
      url: calendar.url,
      depth: '0',
      body: renderSyncCollectionBody(token, ['d:getetag', 'd:resourcetype']),
    });
    let truncated = false;
    for (const entry of entries) {
      const href = normaliseHref(entry.href, calendar.url);
      if (sameCollection(href, calendar.url)) {
        truncated ||= entry.status === 507;
        continue;
      }
      const props = entry.props;
      if (entry.status === 404 || entry.status === 410) {
        changed.delete(href);
        deleted.add(href);
      } else if (entry.ok && !hasResourceType(props, 'collection')) {
        deleted.delete(href);
        changed.set(href, { href, etag: readText(props.getetag) });
      }
    }
    const next = readText(multistatus.syncToken);
    if (next === null) throw new CaldavProtocolError({ method: 'REPORT', url: calendar.url, detail: 'sync-collection answer without a sync-token' });
    token = next;
    if (!truncated) break;
  }
  // A listing from an empty token is complete: what it reports as deleted (Radicale lists the hrefs
  // still in its history) carries no news, absence from `changed` already says it.
  const complete = syncToken === null;
  return { changed: [...changed.values()], deleted: complete ? [] : [...deleted], syncToken: token, complete };
}
