/**
 * The one function that makes a URL fit for a log line, an error message, the database or a report:
 * no userinfo (user:password@), no query values (feed tokens, signed links of booking tools), no token
 * segment of a feed path. It never throws; a string that is no URL is treated as text holding URLs.
 */
export function redactUrl(url: string): string {
  const text = url.startsWith('/') ? redactPathAndQuery(url) : url;
  return text.replace(URL_PATTERN, redactOne);
}

/** An absolute URL inside text, up to whitespace or a closing quote/bracket. */
const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
/** A bare `/feeds/<name>/<token>.ics` path, as a request line carries it. */
const FEED_TOKEN_SEGMENT = /(\/feeds\/[^/?#\s]+\/)[^/?#\s]+(\.ics)/gi;
export const REDACTED = '[redacted]';

function redactOne(url: string): string {
  const schemeEnd = url.indexOf('://') + 3;
  const authorityEnd = findAuthorityEnd(url, schemeEnd);
  const authority = url.slice(schemeEnd, authorityEnd);
  // The last @ ends the userinfo (a password may hold an unencoded @).
  const at = authority.lastIndexOf('@');
  const host = at === -1 ? authority : `${REDACTED}@${authority.slice(at + 1)}`;
  return `${url.slice(0, schemeEnd)}${host}${redactPathAndQuery(url.slice(authorityEnd))}`;
}

function findAuthorityEnd(url: string, from: number): number {
  for (let i = from; i < url.length; i++) {
    const char = url[i];
    if (char === '/' || char === '?' || char === '#') return i;
  }
  return url.length;
}

/** Also for request targets without scheme and host (`/feeds/x.ics?token=…`). */
export function redactPathAndQuery(target: string): string {
  const hash = target.indexOf('#');
  const withoutFragment = hash === -1 ? target : target.slice(0, hash);
  const query = withoutFragment.indexOf('?');
  const path = (query === -1 ? withoutFragment : withoutFragment.slice(0, query)).replace(FEED_TOKEN_SEGMENT, `$1${REDACTED}$2`);
  if (query === -1) return path;
  const params = withoutFragment
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals === -1 ? pair : `${pair.slice(0, equals)}=${REDACTED}`;
    });
  return `${path}?${params.join('&')}`;
}
