import { escape } from 'ical-generator';
import type { Config, FeedConfig } from '../config/config-schema.js';
import type { Appointment } from '../domain/appointment.js';
import { foldLines } from '../ical/fold-lines.js';
import { PRODID, renderVEvents } from '../ical/render-event-objects.js';
import { renderVTimezone } from '../ical/render-vtimezone.js';
import type { FeedVisibility, FeedWindow } from './select-feed-appointments.js';

/** An appointment's VEVENTs, folded, in UTF-8: the bytes that go into a body (and into feed_events). */
export interface FeedEventText {
  readonly body: Buffer;
  readonly count: number;
  readonly usesZone: boolean;
}

export type FeedRenderConfig = Pick<Config, 'timezone' | 'ical' | 'onoffice'>;

/**
 * One appointment as a feed shows it. Each event carries its own SEQUENCE (the store's revision) and a
 * feed mixes privacy per appointment (private ones as busy), hence renderVEvents per appointment rather
 * than renderCalendar. Folded and encoded once here, so a body is a concatenation of stored bytes.
 */
export function renderFeedEvent(
  appointment: Appointment,
  visibility: FeedVisibility,
  revision: number,
  config: FeedRenderConfig,
  window: FeedWindow,
): FeedEventText {
  const vevents = renderVEvents(appointment, {
    zone: config.timezone,
    uidDomain: config.ical.uidDomain,
    recurrence: config.ical.recurrence,
    expandWindow: window,
    attendees: config.ical.attendees,
    appointmentUrl: config.onoffice.appointmentUrl,
    privacy: visibility === 'busy' ? 'busy-only' : 'full',
    sequence: revision,
  });
  return {
    body: Buffer.from(foldLines(vevents.map((vevent) => vevent.text).join('')), 'utf8'),
    count: vevents.length,
    usesZone: vevents.some((vevent) => vevent.usesZone),
  };
}

/** The feed's VCALENDAR around its events (in order), in UTF-8; the header follows renderCalendar's. */
export function renderFeed(events: readonly FeedEventText[], feed: FeedConfig, config: Pick<Config, 'timezone'>): Buffer {
  const name = escape(feed.name, false);
  const head = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:${PRODID}`,
    'CALSCALE:GREGORIAN',
    `NAME:${name}`,
    `X-WR-CALNAME:${name}`,
    `X-WR-TIMEZONE:${config.timezone}`,
    // Apple reads REFRESH-INTERVAL (RFC 7986), Outlook X-PUBLISHED-TTL; Google polls on its own schedule.
    `REFRESH-INTERVAL;VALUE=DURATION:PT${feed.refreshMinutes}M`,
    `X-PUBLISHED-TTL:PT${feed.refreshMinutes}M`,
  ];
  // As assembleCalendar does, but with events folded once and kept folded.
  if (config.timezone !== 'UTC' && events.some((event) => event.usesZone)) head.push(renderVTimezone(config.timezone));
  const parts: Buffer[] = [Buffer.from(foldLines(`${head.join('\r\n')}\r\n`), 'utf8')];
  for (const event of events) parts.push(event.body);
  parts.push(Buffer.from('END:VCALENDAR\r\n', 'utf8'));
  return Buffer.concat(parts);
}
