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
