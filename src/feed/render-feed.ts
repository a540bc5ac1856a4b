import { escape } from 'ical-generator';
import type { Config, FeedConfig } from '../config/config-schema.js';
import { foldLines } from '../ical/fold-lines.js';
import { PRODID, renderVEvents, type RenderOptions } from '../ical/render-event-objects.js';
import { renderVTimezone } from '../ical/render-vtimezone.js';
import type { FeedSelection, FeedWindow } from './select-feed-appointments.js';

/** An appointment's VEVENTs, folded, as they go into the body. */
interface FeedEventText {
  readonly text: string;
  readonly count: number;
  readonly usesZone: boolean;
}

/** Rendered events by appointment row version and visibility, reused by the next render of a feed. */
export type FeedEventCache = ReadonlyMap<string, FeedEventText>;

export interface RenderedFeedText {
  readonly text: string;
  readonly eventCount: number;
  /** The newest `modified` among the shown appointments; null for an empty feed. */
  readonly newestModified: Date | null;
  /** The events of this body, to pass as `reuse` next time. */
  readonly events: FeedEventCache;
}

/**
 * The feed's VCALENDAR. Built from renderVEvents rather than renderCalendar because a feed mixes
 * privacy per appointment (private ones as busy) and each event carries its own SEQUENCE (the store's
 * revision); the header follows renderCalendar's. Events of rows whose change_seq did not move are
 * taken from `reuse`, so a poll that changed a few appointments re-renders only those.
 */
export function renderFeed(
  selection: readonly FeedSelection[],
  feed: FeedConfig,
  config: Config,
  window: FeedWindow,
  reuse: FeedEventCache = new Map(),
): RenderedFeedText {
  const base: RenderOptions = {
    zone: config.timezone,
    uidDomain: config.ical.uidDomain,
    recurrence: config.ical.recurrence,
    expandWindow: window,
    attendees: config.ical.attendees,
    appointmentUrl: config.onoffice.appointmentUrl,
  };
  // With recurrence 'expand' a series' events depend on the window too.
  const windowKey = config.ical.recurrence === 'expand' ? `:${window.from.toMillis()}:${window.to.toMillis()}` : '';
  const events = new Map<string, FeedEventText>();
  const parts: string[] = [];
  let eventCount = 0;
  let usesZone = false;
  let newest = 0;
  for (const { appointment, visibility, revision, changeSeq } of selection) {
    const key = `${appointment.id}:${changeSeq}:${visibility}${appointment.recurrence ? windowKey : ''}`;
    let rendered = reuse.get(key);
    if (!rendered) {
      const vevents = renderVEvents(appointment, { ...base, privacy: visibility === 'busy' ? 'busy-only' : 'full', sequence: revision });
      rendered = {
        text: foldLines(vevents.map((vevent) => vevent.text).join('')),
        count: vevents.length,
        usesZone: vevents.some((vevent) => vevent.usesZone),
      };
    }
    events.set(key, rendered);
    parts.push(rendered.text);
    eventCount += rendered.count;
    usesZone ||= rendered.usesZone;
    newest = Math.max(newest, appointment.modified.toMillis());
  }
  const name = escape(feed.name, false);
  const header = [
    `PRODID:${PRODID}`,
    'CALSCALE:GREGORIAN',
    `NAME:${name}`,
    `X-WR-CALNAME:${name}`,
    `X-WR-TIMEZONE:${config.timezone}`,
    // Apple reads REFRESH-INTERVAL (RFC 7986), Outlook X-PUBLISHED-TTL; Google polls on its own schedule.
    `REFRESH-INTERVAL;VALUE=DURATION:PT${feed.refreshMinutes}M`,
    `X-PUBLISHED-TTL:PT${feed.refreshMinutes}M`,
  ];
  // As assembleCalendar does, but each event is folded once and kept folded in the cache.
  const head = ['BEGIN:VCALENDAR', 'VERSION:2.0', ...header];
  if (config.timezone !== 'UTC' && usesZone) head.push(renderVTimezone(config.timezone));
  return {
    text: `${foldLines(`${head.join('\r\n')}\r\n`)}${parts.join('')}END:VCALENDAR\r\n`,
    eventCount,
    newestModified: newest > 0 ? new Date(newest) : null,
    events,
  };
}
