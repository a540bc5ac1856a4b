import type { Appointment } from '../../src/domain/appointment.js';
import type { AppointmentRecord } from '../../src/domain/appointment-record.js';
import type { ParsedVEvent } from '../../src/ical/parse-vevent.js';

/**
 * The test side of the way back: what the sync would send as create/modify data, read again as the
 * record onOffice would return. Fields onOffice keeps itself (users, creator, modified) come from the
 * original.
 */
export function recordFromParsedVEvent(parsed: ParsedVEvent, original: AppointmentRecord): AppointmentRecord {
  return {
    id: original.id,
    type: 'calendar',
    elements: {
      ...(parsed.data as AppointmentRecord['elements']),
      ort: parsed.location ?? '',
      modified: original.elements.modified,
      users: original.elements.users,
      user_ids: original.elements.user_ids,
      von: original.elements.von,
    },
  };
}

/** The fields iCalendar carries both ways. */
export function representableFields(appointment: Appointment): Record<string, unknown> {
  return {
    allDay: appointment.allDay,
    start: appointment.start.toISO(),
    end: appointment.end.toISO(),
    summary: appointment.summary,
    note: appointment.note,
    location: appointment.location,
    categories: appointment.categories,
    status: appointment.status,
    cancelled: appointment.cancelled,
    private: appointment.private,
    reminderMinutes: appointment.reminderMinutes,
    resources: appointment.resources,
    transitBeforeMinutes: appointment.transitBeforeMinutes,
    transitAfterMinutes: appointment.transitAfterMinutes,
    recurrence: appointment.recurrence,
  };
}
