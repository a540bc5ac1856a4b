import type { Logger } from '../log/create-logger.js';
import type { CalendarSpec } from './calendar-target.js';
import { CaldavRequestError } from './caldav-errors.js';

/**
 * calendar-color as Apple writes it, `#RRGGBBAA`: SOGo refuses the `#RRGGBB` we are configured with,
 * and every other tested server keeps either.
 */
export function renderCalendarColor(color: string): string {
  return /^#[0-9a-f]{6}$/i.test(color) ? `${color.toUpperCase()}FF` : color;
}

/** MKCALENDAR with display name, colour and VEVENT only; an extended MKCOL where MKCALENDAR is refused. */
export async function makeCalendarCollection(url: string, spec: CalendarSpec, davFetch: typeof fetch, logger?: Logger): Promise<void> {
  const props: Record<string, unknown> = {
    'd:displayname': spec.displayName,
    ...(spec.color ? { 'ca:calendar-color': renderCalendarColor(spec.color) } : {}),
    'c:supported-calendar-component-set': VEVENT_COMPONENT_SET,
  };
  // tsdav loads here, on creating a calendar, and not for the runs that only read.
  const { DAVNamespace, davRequest, getDAVAttribute, makeCalendar } = await import('tsdav');
  try {
    await makeCalendar({ url, props, fetch: davFetch });
    return;
  } catch (error) {
    // 405/501: MKCALENDAR unknown to the server; 400/415: it does not take our body. Both may still
    // accept an extended MKCOL (RFC 5689) with the calendar resource type.
    if (!(error instanceof CaldavRequestError) || ![400, 405, 415, 501].includes(error.status)) throw error;
    logger?.info({ url, status: error.status }, 'MKCALENDAR refused, trying extended MKCOL');
  }
  await davRequest({
    url,
    init: {
      method: 'MKCOL',
      namespace: 'd',
      body: {
        mkcol: {
          _attributes: getDAVAttribute([DAVNamespace.DAV, DAVNamespace.CALDAV, DAVNamespace.CALDAV_APPLE]),
          set: { prop: { resourcetype: { collection: {}, 'c:calendar': {} }, ...props } },
        },
      },
    },
    fetch: davFetch,
  });
}

/** The component set MKCALENDAR asks for (and a PROPPATCH sets again after a whole-collection PUT). */
export const VEVENT_COMPONENT_SET = { 'c:comp': { _attributes: { name: 'VEVENT' } } };

/**
 * PROPPATCH of calendar properties (`props` keyed 'd:displayname', 'ca:calendar-color',
 * 'c:supported-calendar-component-set').
 */
export async function patchCalendarProps(url: string, props: Record<string, unknown>, davFetch: typeof fetch): Promise<void> {
  const { DAVNamespace, davRequest, getDAVAttribute } = await import('tsdav');
  await davRequest({
    url,
    init: {
      method: 'PROPPATCH',
      namespace: 'd',
      body: {
        propertyupdate: {
          _attributes: getDAVAttribute([DAVNamespace.DAV, DAVNamespace.CALDAV, DAVNamespace.CALDAV_APPLE]),
          set: { prop: props },
        },
      },
    },
    fetch: davFetch,
  });
}
