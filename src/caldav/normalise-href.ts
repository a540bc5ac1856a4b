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

/** The calendar URL normalised last (a push names every object of one calendar): its URL is parsed once. */
let lastCalendar: { readonly url: string; readonly normalised: string } | null = null;

/**
 * The URL of a new object named `filename` in the calendar: the calendar's normalised URL and the name as
 * one encoded segment, which is what normalising the joined URL gives. A name of "." or ".." (a dot
 * segment, which URL resolution removes) and a calendar URL with a query or fragment (which resolution
 * drops) go through normaliseHref as before.
 */
export function resolveObjectUrl(calendarUrl: string, filename: string): string {
  const base = calendarUrl.endsWith('/') ? calendarUrl : `${calendarUrl}/`;
  if (filename === '.' || filename === '..' || /[?#]/.test(base)) return normaliseHref(encodeURIComponent(filename), base);
  if (lastCalendar?.url !== base) lastCalendar = { url: base, normalised: normaliseHref(base, base) };
  return `${lastCalendar.normalised}${encodeURIComponent(filename)}`;
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
