import { CaldavProtocolError } from './caldav-errors.js';
import { parseMultistatus, type DavMultistatus } from './parse-multistatus.js';

/** The prefixes the project's prop names use (`d:getetag`, `c:calendar-home-set`, …), as tsdav declares them. */
const NAMESPACES =
  'xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:ca="http://apple.com/ns/ical/" xmlns:cs="http://calendarserver.org/ns/" xmlns:d="DAV:"';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `<d:prop>` asking for the named props (prefixed names, e.g. `d:getetag`). */
function renderProp(props: readonly string[]): string {
  return `<d:prop>${props.map((name) => `<${name}/>`).join('')}</d:prop>`;
}

export function renderPropfindBody(props: readonly string[]): string {
  return `<?xml version="1.0" encoding="utf-8"?><d:propfind ${NAMESPACES}>${renderProp(props)}</d:propfind>`;
}

/** RFC 6578 §3.2; an empty token asks for the whole collection. */
export function renderSyncCollectionBody(syncToken: string, props: readonly string[]): string {
  return `<?xml version="1.0" encoding="utf-8"?><d:sync-collection ${NAMESPACES}><d:sync-token>${escapeXml(syncToken)}</d:sync-token><d:sync-level>1</d:sync-level>${renderProp(props)}</d:sync-collection>`;
}

/**
 * RFC 4791 §7.8 calendar-query for the objects holding a VEVENT whose UID contains `uid` (text-match
 * is a substring match, i;octet compares bytes), with ETag and data.
 */
export function renderUidQueryBody(uid: string): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><c:calendar-query ${NAMESPACES}>${renderProp(['d:getetag', 'c:calendar-data'])}` +
    `<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="UID">` +
    `<c:text-match collation="i;octet">${escapeXml(uid)}</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`
  );
}

/**
 * A PROPFIND or REPORT through the project's fetch (auth, timeouts, retries, typed HTTP errors), read as
 * a multistatus without tsdav: these are the requests of a run that changes nothing, and tsdav with its
 * XML library is the largest thing such a process would load. A 2xx that is not a multistatus means the
 * server (or a proxy in front of it) is not speaking WebDAV.
 */
export async function sendDavRequest(
  davFetch: typeof fetch,
  request: { method: 'PROPFIND' | 'REPORT'; url: string; depth: '0' | '1'; body: string },
): Promise<DavMultistatus> {
  const response = await davFetch(request.url, {
    method: request.method,
    headers: { 'Content-Type': 'text/xml;charset=UTF-8', depth: request.depth },
    body: request.body,
  });
  const text = await response.text();
  const isXml = response.headers.get('content-type')?.toLowerCase().includes('xml') ?? false;
  const parsed = isXml && text !== '' ? parseMultistatus(text, response.status) : null;
  if (!parsed) throw new CaldavProtocolError({ method: request.method, url: request.url, detail: 'expected a 207 multistatus XML body' });
  return parsed;
}
