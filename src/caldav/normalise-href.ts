/**
 * One spelling per href: resolved against the base, each path segment decoded and re-encoded, so
 * `/cal/a%40b.ics`, `/cal/a@b.ics` and `http://host/cal/a@b.ics` are the same string.
 */
export function normaliseHref(href: string, base: string): string {
  const url = new URL(href, base);
  url.pathname = url.pathname
    .split('/')
    .map((segment) => {
      try {
        return encodeURIComponent(decodeURIComponent(segment));
      } catch {
        return segment;
      }
    })
    .join('/');
  url.hash = '';
  return url.href;
}

/** The URL of a new object named `filename` in the calendar. */
export function resolveObjectUrl(calendarUrl: string, filename: string): string {
  return normaliseHref(encodeURIComponent(filename), calendarUrl.endsWith('/') ? calendarUrl : `${calendarUrl}/`);
}

export function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Whether two collection URLs name the same collection, with or without the trailing slash. */
export function sameCollection(a: string, b: string): boolean {
  return withSlash(a) === withSlash(b);
}

/** What to put in a DAV:href: the path for same-origin objects, as servers expect. */
export function toRequestHref(href: string, base: string): string {
  const url = new URL(href, base);
  return url.origin === new URL(base).origin ? `${url.pathname}${url.search}` : url.href;
}
