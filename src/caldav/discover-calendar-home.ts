import { fetchProps } from './fetch-props.js';
import { normaliseHref, sameCollection, withSlash } from './normalise-href.js';
import { hasResourceType, readHref } from './read-multistatus.js';

/** Where a configured URL leads: a calendar home to create calendars in, or one calendar itself. */
export type CalendarLocation = { kind: 'home' | 'calendar'; url: string };

/**
 * From whatever URL the user gave (server root, principal, calendar home, or a calendar) to the calendar
 * home or the calendar: the URL's own props first, then its principal, then /.well-known/caldav.
 */
export async function discoverCalendarHome(serverUrl: string, davFetch: typeof fetch): Promise<CalendarLocation> {
  const discoveryProps = ['d:resourcetype', 'd:current-user-principal', 'c:calendar-home-set'];
  const locate = async (url: string): Promise<CalendarLocation | null> => {
    const props = await fetchProps(davFetch, url, discoveryProps);
    if (props === null) return null;
    if (hasResourceType(props, 'calendar')) return { kind: 'calendar', url: withSlash(normaliseHref(url, url)) };
    const home = readHref(props.calendarHomeSet);
    if (home) return { kind: 'home', url: withSlash(normaliseHref(home, url)) };
    const principal = readHref(props.currentUserPrincipal);
    if (principal) {
      const principalUrl = normaliseHref(principal, url);
      const principalProps = await fetchProps(davFetch, principalUrl, ['c:calendar-home-set']);
      const principalHome = principalProps ? readHref(principalProps.calendarHomeSet) : null;
      return { kind: 'home', url: withSlash(principalHome ? normaliseHref(principalHome, principalUrl) : principalUrl) };
    }
    return null;
  };
  const direct = await locate(serverUrl);
  if (direct) return direct;
  // tsdav loads only when the URL's own props lead nowhere (the /.well-known step).
  const { serviceDiscovery } = await import('tsdav');
  const discovered = await serviceDiscovery({ account: { serverUrl, accountType: 'caldav' }, fetch: davFetch });
  if (!sameCollection(discovered, serverUrl)) {
    const viaWellKnown = await locate(discovered);
    if (viaWellKnown) return viaWellKnown;
  }
  // A plain collection without principal properties: take the URL as the calendar home.
  return { kind: 'home', url: withSlash(normaliseHref(serverUrl, serverUrl)) };
}
