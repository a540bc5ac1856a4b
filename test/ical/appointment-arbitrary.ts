import fc from 'fast-check';
import { DateTime } from 'luxon';
import type { AppointmentRecord } from '../../src/domain/appointment-record.js';
import { REMINDER_VALUES, formatTransitValue } from '../../src/domain/onoffice-readings.js';

/** Text with the characters iCalendar escaping is about, umlauts, emoji and plain words. */
export const textArbitrary = fc
  .array(
    fc.oneof(
      fc.constantFrom(',', ';', '\\', '\n', ':', '"', '\\n', '\\,', ' ', 'ä', 'Ö', 'ß', '😀', '👩‍👩‍👧', '€', '\t'),
      fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).map((text) => text.replace(/[\u0000-\u001f\u007f]/g, '')),
      fc.constantFrom('Besichtigung', 'Notartermin', 'Kundenbesuch Straße', 'x'.repeat(90)),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(''));

const nonEmptyText = textArbitrary.filter((text) => text.trim() !== '' && text === text.trim());

export interface GeneratedRecord {
  readonly record: AppointmentRecord;
}

const localDate = (from: string, days: number) =>
  fc.integer({ min: 0, max: days }).map((offset) => DateTime.fromISO(from, { zone: 'utc' }).plus({ days: offset }));

/**
 * Raw onOffice records as the API returns them, spread over 2025-2027 with extra weight on the DST
 * change days and on month ends (monthly on the 31st, yearly on Feb 29).
 */
export function recordArbitrary(id: number): fc.Arbitrary<AppointmentRecord> {
  const startDate = fc.oneof(
    { weight: 5, arbitrary: localDate('2025-01-01', 365 * 3) },
    { weight: 2, arbitrary: fc.constantFrom('2025-03-30', '2025-10-26', '2026-03-29', '2026-10-25', '2025-03-09', '2025-11-02', '2026-03-08', '2026-11-01').map((d) => DateTime.fromISO(d, { zone: 'utc' })) },
    { weight: 1, arbitrary: fc.constantFrom('2025-01-31', '2025-03-31', '2024-02-29', '2028-02-29', '2025-08-31').map((d) => DateTime.fromISO(d, { zone: 'utc' })) },
  );
  const time = fc.record({ hour: fc.integer({ min: 0, max: 23 }), minute: fc.constantFrom(0, 15, 30, 45) });
  const recurrence = fc.option(
    fc.record({
      type: fc.constantFrom('t', 'w', 'm', 'j'),
      interval: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 999 }) }),
      untilDays: fc.option(fc.integer({ min: 0, max: 900 }), { nil: null }),
      exceptionOffsets: fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 4 }),
    }),
    { nil: null, freq: 3 },
  );
  return fc
    .record({
      allDay: fc.boolean(),
      startDate,
      time,
      durationMinutes: fc.oneof(fc.constantFrom(0, 30, 60, 90), fc.integer({ min: 0, max: 3 * 1440 })),
      allDayDays: fc.integer({ min: 1, max: 4 }),
      summary: textArbitrary,
      note: textArbitrary,
      location: textArbitrary,
      art: fc.option(nonEmptyText, { nil: null }),
      resources: fc.array(nonEmptyText, { maxLength: 3 }),
      reminder: fc.option(fc.constantFrom(...REMINDER_VALUES.map(([value]) => value)), { nil: null }),
      transitBefore: fc.constantFrom(0, 0, 15, 30, 90),
      transitAfter: fc.constantFrom(0, 0, 10, 45),
      isPrivate: fc.boolean(),
      cancelled: fc.boolean(),
      recurrence,
      modified: fc.integer({ min: 0, max: 3 * 365 * 86_400 }),
    })
    .map((g) => {
      const date = g.startDate.toISODate()!;
      const startLocal = `${date} ${pad(g.time.hour)}:${pad(g.time.minute)}:00`;
      const endLocal = g.allDay
        ? `${g.startDate.plus({ days: g.allDayDays - 1 }).toISODate()!} 23:59:59`
        : g.startDate.set({ hour: g.time.hour, minute: g.time.minute }).plus({ minutes: g.durationMinutes }).toFormat('yyyy-MM-dd HH:mm:ss');
      const allDayStart = `${date} 00:00:00`;
      const elements: AppointmentRecord['elements'] = {
        start_dt: g.allDay ? allDayStart : startLocal,
        end_dt: endLocal,
        description: g.summary,
        note: g.note,
        ort: g.location,
        art: g.art === null ? [] : { [g.art]: g.art },
        ressources: g.resources,
        erinnerung: g.reminder ?? '',
        ganztags: g.allDay,
        rp_flag: g.recurrence !== null,
        abgesagt: g.cancelled,
        status: g.cancelled ? 'canceled' : 'active',
        rp_type: g.recurrence?.type ?? '',
        rp_tage: g.recurrence?.interval ?? 0,
        rp_beginn_datum: g.recurrence ? date : '0000-00-00',
        rp_ende_datum: g.recurrence?.untilDays != null ? g.startDate.plus({ days: g.recurrence.untilDays }).toISODate()! : '0000-00-00',
        rp_ende_status: g.recurrence ? (g.recurrence.untilDays === null ? '2' : '1') : '0',
        rp_exception: [...new Set(g.recurrence?.exceptionOffsets ?? [])].map((days) => g.startDate.plus({ days }).toISODate()!),
        allowTransitTime: g.transitBefore > 0 || g.transitAfter > 0,
        transitTime: null,
        transitTimePre: formatTransitValue(g.transitBefore),
        transitTimePost: formatTransitValue(g.transitAfter),
        private: g.isPrivate ? '1' : '0',
        modified: DateTime.fromSeconds(1_735_689_600 + g.modified, { zone: 'utc' }).toFormat('yyyy-MM-dd HH:mm:ss'),
        user_ids: [53],
        users: [{ id: '53', username: 'A', firstName: 'onOffice', lastName: 'Tester', email: 'tester1@onoffice.de' }],
        von: 'robert',
      };
      return { id, type: 'calendar', elements };
    });
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
