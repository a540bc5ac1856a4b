import { describe, expect, it } from 'vitest';
import { IcsImportEmptyFeedError } from '../../src/back/import-ics-errors.js';
import { importKey, parseImportKey, planImport, type ImportPlanInput } from '../../src/back/plan-import.js';
import type { PullAction } from '../../src/back/plan-pull.js';
import { planEventData } from '../../src/back/plan-two-way-write.js';
import type { ImportEvent } from '../../src/domain/import-event.js';
import { parseIcsObjects } from '../../src/ical/parse-ics-objects.js';

/*
 * The decisions of an ICS import, without any server: the feed's events and what earlier fetches
 * recorded go in as plain values, planPull's actions come out.
 */

const ZONE = 'Europe/Berlin';
const NOW = '2026-12-01T10:00:00.000Z';
const HORIZON = '2026-06-01T00:00:00.000Z';

function feedOf(...events: string[][]): ReturnType<typeof parseIcsObjects> {
  return parseIcsObjects(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Booking Tool//EN', ...events.flatMap((lines) => ['BEGIN:VEVENT', ...lines, 'END:VEVENT']), 'END:VCALENDAR', ''].join('\r\n'));
}
const booking = (uid: string, summary: string, start = '20270112T090000Z', end = '20270112T100000Z', extra: string[] = []): string[] => [`UID:${uid}`, 'DTSTAMP:20261120T080000Z', `DTSTART:${start}`, `DTEND:${end}`, `SUMMARY:${summary}`, ...extra];

/** What an earlier fetch recorded for `lines`, as the importer saves it (the import's art included). */
function recordedOf(lines: string[], appointmentId: number, overrides: Partial<ImportEvent> = {}): ImportEvent {
  const [vevent] = feedOf(lines);
  const planned = planEventData(vevent!, { zone: ZONE, defaultArt: 'Besichtigung', categoryArts: {} });
  return { uid: planned.uid, recurrenceId: planned.recurrenceId, appointmentId, data: { ...planned.data, art: 'Besichtigung' }, endsAt: planned.endsAt, dismissed: false, ...overrides };
}

const inputOf = (events: ReturnType<typeof feedOf>, recorded: ImportEvent[], overrides: Partial<ImportPlanInput> = {}): ImportPlanInput => ({
  feed: { name: 'bookings', art: 'Besichtigung', deleteAction: 'delete', confirm: true },
  events,
  recorded,
  zone: ZONE,
  horizon: HORIZON,
  now: NOW,
  forceDelete: false,
  ...overrides,
});

function summarise(action: PullAction): string {
  switch (action.kind) {
    case 'create':
      return action.confirm ? 'create+confirm' : 'create';
    case 'modify':
      return `modify:${Object.keys(action.write?.data ?? {}).join(',')}`;
    case 'delete':
    case 'cancel':
      return `${action.kind}:${action.inOnOffice ? 'in onOffice' : 'record only'}`;
    case 'ignore':
      return `ignore:${action.reason}`;
    default:
      return action.kind;
  }
}

/** The plan as [uid recurrenceId, actions] rows. */
function rows(input: ImportPlanInput): Array<[string, string[]]> {
  return planImport(input).steps.map((step) => {
    const { uid, recurrenceId } = parseImportKey(step.href);
    return [recurrenceId ? `${uid} ${recurrenceId}` : uid, step.actions.map(summarise)];
  });
}

const LINDEN = booking('b1@tool', 'Besichtigung Lindenallee');
const PAST = booking('b2@tool', 'Vergangen', '20261001T070000Z', '20261001T080000Z');
const ANCIENT = booking('b3@tool', 'Vor dem Horizont', '20260101T070000Z', '20260101T080000Z');

describe('planImport: the decisions of an ICS import', () => {
  it.each<[string, string[][], (() => ImportEvent[]) | ImportEvent[], Array<[string, string[]]>]>([
    ['a new upcoming event is created and confirmed', [LINDEN], [], [['b1@tool', ['create+confirm']]]],
    ['a new event that is over is created without a confirmation', [PAST], [], [['b2@tool', ['create']]]],
    ['a new event that ended before the horizon is not imported', [ANCIENT], [], [['b3@tool', ['ignore:ends before the poll horizon']]]],
    ['a recorded event that says what we wrote is adopted (nothing sent)', [LINDEN], () => [recordedOf(LINDEN, 11)], [['b1@tool', ['adopt']]]],
    ['a changed event sends only the changed field', [booking('b1@tool', 'Besichtigung Lindenallee 4')], () => [recordedOf(LINDEN, 11)], [['b1@tool', ['modify:description']]]],
    ['an event dismissed (deleted in onOffice) is no step at all', [LINDEN], () => [recordedOf(LINDEN, 11, { dismissed: true })], []],
    ['an upcoming event gone from the feed is deleted in onOffice', [PAST], () => [recordedOf(PAST, 12), recordedOf(LINDEN, 11)], [['b2@tool', ['adopt']], ['b1@tool', ['delete:in onOffice']]]],
    ['an ended event gone from the feed is history: only the record goes', [LINDEN], () => [recordedOf(LINDEN, 11), recordedOf(PAST, 12)], [['b1@tool', ['adopt']], ['b2@tool', ['delete:record only']]]],
    ['a dismissed event gone from the feed is left alone', [LINDEN], () => [recordedOf(LINDEN, 11), recordedOf(PAST, 12, { dismissed: true })], [['b1@tool', ['adopt']]]],
    ['our own-looking UID in a feed is imported like any other', [booking('onoffice-5@onoffice-sync', 'Fremd')], [], [['onoffice-5@onoffice-sync', ['create+confirm']]]],
    [
      'an override whose series is not in the feed is an appointment of its own',
      [booking('b5@tool', 'Einzeltermin', '20270113T090000Z', '20270113T100000Z', ['RECURRENCE-ID:20270113T090000Z'])],
      [],
      [['b5@tool 2027-01-13T09:00:00.000Z', ['create+confirm']]],
    ],
  ])('%s', (_name, events, recorded, expected) => {
    expect(rows(inputOf(feedOf(...events), typeof recorded === 'function' ? recorded() : recorded))).toEqual(expected);
  });

  it('cancels instead of deleting under deleteAction cancel, and confirms nothing when the import does not', () => {
    const input = inputOf(feedOf(booking('b9@tool', 'Neu')), [recordedOf(LINDEN, 11)], { feed: { name: 'bookings', art: 'Besichtigung', deleteAction: 'cancel', confirm: false } });
    expect(rows(input)).toEqual([
      ['b9@tool', ['create']],
      ['b1@tool', ['cancel:in onOffice']],
    ]);
  });

  it('gives every event the import\'s art whatever its CATEGORIES, and none when the art is empty', () => {
    const tagged = feedOf(booking('b1@tool', 'Mit Kategorie', undefined, undefined, ['CATEGORIES:Booking,Web']));
    const [withArt] = planImport(inputOf(tagged, [])).steps.flatMap((step) => step.actions);
    expect(withArt).toMatchObject({ kind: 'create', planned: { data: { art: 'Besichtigung' } } });
    const [withoutArt] = planImport(inputOf(tagged, [], { feed: { name: 'bookings', art: '', deleteAction: 'delete', confirm: true } })).steps.flatMap((step) => step.actions);
    expect(withoutArt?.kind).toBe('create');
    expect(withoutArt?.kind === 'create' && 'art' in withoutArt.planned.data).toBe(false);
  });

  it('takes a feed that suddenly holds no events for an outage, unless forced', () => {
    const recorded = [recordedOf(LINDEN, 11), recordedOf(PAST, 12)];
    expect(() => planImport(inputOf([], recorded))).toThrow(IcsImportEmptyFeedError);
    expect(() => planImport(inputOf([], recorded))).toThrow(/would delete or cancel 1 upcoming/);
    expect(rows(inputOf([], recorded, { forceDelete: true }))).toEqual([
      ['b1@tool', ['delete:in onOffice']],
      ['b2@tool', ['delete:record only']],
    ]);
    // Only past events recorded: an empty feed is what a booking tool shows after them, no outage.
    expect(rows(inputOf([], [recordedOf(PAST, 12)]))).toEqual([['b2@tool', ['delete:record only']]]);
  });

  it('keys a step by UID and RECURRENCE-ID, both recoverable', () => {
    expect(parseImportKey(importKey('a@b', ''))).toEqual({ uid: 'a@b', recurrenceId: '' });
    expect(parseImportKey(importKey('a@b', '2027-01-13T09:00:00.000Z'))).toEqual({ uid: 'a@b', recurrenceId: '2027-01-13T09:00:00.000Z' });
  });
});
