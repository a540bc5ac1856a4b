import { describe, expect, it } from 'vitest';
import { planMassDeleteGuard, planPull, type OnOfficeSide, type PullAction, type PullCandidate, type PullPolicy } from '../../src/back/plan-pull.js';
import { PullMassDeleteError } from '../../src/back/pull-mass-delete-error.js';
import { planEventData, planModifyWrite, type EventRules } from '../../src/back/plan-two-way-write.js';
import type { KnownObject } from '../../src/domain/known-object.js';
import { parseIcsObjects } from '../../src/ical/parse-ics-objects.js';

/*
 * The decision matrix of the way back, without any server: both sides and the stored state go in as
 * plain values, the planned actions come out, under every conflict policy and delete action.
 */

const rules: EventRules = { zone: 'Europe/Berlin', defaultArt: 'Termin', categoryArts: {} };
const CAL = 'office:onoffice';
const HREF = 'http://dav.example.invalid/cal/p1.ics';
const known: KnownObject = { calendarKey: CAL, uid: 'p1@phone', href: HREF, etag: '"1"', hash: 'caldav:old', appointmentId: 7 };

function renderIcs(uid: string, summary: string, extra: string[] = ['LAST-MODIFIED:20270101T120000Z'], dates = ['DTSTART;TZID=Europe/Berlin:20270301T100000', 'DTEND;TZID=Europe/Berlin:20270301T110000']): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//phone//EN', 'BEGIN:VEVENT', `UID:${uid}`, ...extra, ...dates, `SUMMARY:${summary}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}
const dataOf = (ics: string) => planEventData(parseIcsObjects(ics)[0]!, rules).data;

const before = dataOf(renderIcs('p1@phone', 'Alt'));
const onOfficeEdit = dataOf(renderIcs('p1@phone', 'In onOffice geändert'));
const edited = { href: HREF, etag: '"2"', data: renderIcs('p1@phone', 'Neu') };
const touched = { href: HREF, etag: '"2"', data: renderIcs('p1@phone', 'Alt') };
/** 2027-01-01 12:00 UTC, the LAST-MODIFIED of the phone's edit. */
const PHONE_MS = Date.parse('2027-01-01T12:00:00Z');

const unchanged: OnOfficeSide = { kind: 'present', modifiedMs: PHONE_MS - 60_000, data: before, changed: false };
const changedOlder: OnOfficeSide = { kind: 'present', modifiedMs: PHONE_MS - 60_000, data: onOfficeEdit, changed: true };
const changedNewer: OnOfficeSide = { kind: 'present', modifiedMs: PHONE_MS + 60_000, data: onOfficeEdit, changed: true };
const changedSame: OnOfficeSide = { kind: 'present', modifiedMs: PHONE_MS, data: onOfficeEdit, changed: true };

const policyFor = (overrides: Partial<PullPolicy> = {}): PullPolicy => ({
  calendarKey: CAL,
  uidDomain: 'onoffice-sync',
  conflictPolicy: 'onoffice-wins',
  deleteAction: 'delete',
  rules,
  horizon: '2026-09-01T00:00:00.000Z',
  now: '2026-12-01T10:00:00.000Z',
  confirm: false,
  knownUids: new Set([known.uid]),
  ...overrides,
});

/** An action in a word or two: the matrix below compares these. */
function summarise(action: PullAction): string {
  switch (action.kind) {
    case 'conflict':
      return `conflict:${action.winner}`;
    case 'modify':
      return action.write === null ? 'modify:nothing' : 'modify';
    case 'delete':
    case 'cancel':
      return `${action.kind}:${action.inOnOffice ? 'in onOffice' : 'gone there'}`;
    case 'ignore':
      return `ignore:${action.reason}`;
    case 'wait':
      return `wait:${action.change}`;
    case 'create':
      return action.confirm ? 'create+confirm' : 'create';
    default:
      return action.kind;
  }
}

const plan = (candidate: PullCandidate, policy: Partial<PullPolicy> = {}): string[] => {
  const steps = planPull([candidate], policyFor(policy));
  expect(steps).toHaveLength(1);
  return steps[0]!.actions.map(summarise);
};

type Policy = PullPolicy['conflictPolicy'];
const POLICIES: Policy[] = ['onoffice-wins', 'caldav-wins', 'newest'];

describe('planPull: an edit in the calendar', () => {
  const editedWith = (side: OnOfficeSide, object = edited): PullCandidate => ({ href: HREF, known, gone: false, object, side, written: before });

  const matrix: Array<[string, OnOfficeSide, Record<Policy, string[]>]> = [
    ['onOffice unchanged', unchanged, { 'onoffice-wins': ['modify'], 'caldav-wins': ['modify'], newest: ['modify'] }],
    [
      'onOffice changed earlier than the phone',
      changedOlder,
      { 'onoffice-wins': ['conflict:onoffice', 'overwrite'], 'caldav-wins': ['conflict:caldav', 'modify'], newest: ['conflict:caldav', 'modify'] },
    ],
    [
      'onOffice changed later than the phone',
      changedNewer,
      { 'onoffice-wins': ['conflict:onoffice', 'overwrite'], 'caldav-wins': ['conflict:caldav', 'modify'], newest: ['conflict:onoffice', 'overwrite'] },
    ],
    [
      'onOffice changed in the same millisecond (onOffice wins ties)',
      changedSame,
      { 'onoffice-wins': ['conflict:onoffice', 'overwrite'], 'caldav-wins': ['conflict:caldav', 'modify'], newest: ['conflict:onoffice', 'overwrite'] },
    ],
    [
      'deleted in onOffice (a deletion in onOffice always wins)',
      { kind: 'deleted' },
      { 'onoffice-wins': ['overwrite', 'conflict:onoffice'], 'caldav-wins': ['overwrite', 'conflict:onoffice'], newest: ['overwrite', 'conflict:onoffice'] },
    ],
    ['an occurrence or a busy-only event (read-only)', { kind: 'read-only' }, { 'onoffice-wins': ['overwrite'], 'caldav-wins': ['overwrite'], newest: ['overwrite'] }],
    ['in quarantine', { kind: 'unreadable' }, { 'onoffice-wins': ['wait:change'], 'caldav-wins': ['wait:change'], newest: ['wait:change'] }],
  ];
  for (const [name, side, expected] of matrix) {
    for (const policy of POLICIES) {
      it(`${name}, ${policy}: ${expected[policy].join(', ')}`, () => {
        expect(plan(editedWith(side), { conflictPolicy: policy })).toEqual(expected[policy]);
      });
    }
  }

  it('sends only the changed fields, from the base onOffice holds when the calendar wins a conflict', () => {
    const [mine] = planPull([editedWith(unchanged)], policyFor())[0]!.actions;
    expect(mine).toMatchObject({ kind: 'modify', etag: '"2"', write: planModifyWrite(before, dataOf(edited.data)) });
    expect(Object.keys((mine as Extract<PullAction, { kind: 'modify' }>).write!.data)).toEqual(['description']);
    const [conflict, modify] = planPull([editedWith(changedOlder)], policyFor({ conflictPolicy: 'caldav-wins' }))[0]!.actions;
    expect(conflict).toMatchObject({ kind: 'conflict', winner: 'caldav', policy: 'caldav-wins', message: expect.stringContaining('the calendar won (caldav-wins)') });
    expect(modify).toMatchObject({ kind: 'modify', write: planModifyWrite(onOfficeEdit, dataOf(edited.data)) });
  });

  it('takes a touch without a change (a new ETag, the same text) for no edit under every policy', () => {
    for (const policy of POLICIES) {
      for (const side of [unchanged, changedOlder, changedNewer]) expect(plan(editedWith(side, touched), { conflictPolicy: policy })).toEqual(['adopt']);
    }
  });

  it('under newest, lets onOffice win an event that carries neither LAST-MODIFIED nor DTSTAMP', () => {
    const bare = { href: HREF, etag: '"3"', data: renderIcs('p1@phone', 'Neu', []) };
    expect(plan(editedWith(changedOlder, bare), { conflictPolicy: 'newest' })).toEqual(['conflict:onoffice', 'overwrite']);
  });

  it('without a stored base writes every field of the calendar’s version', () => {
    const [action] = planPull([{ href: HREF, known, gone: false, object: edited, side: { kind: 'unseen' }, written: null }], policyFor())[0]!.actions;
    expect(action).toMatchObject({ kind: 'modify' });
    expect(Object.keys((action as Extract<PullAction, { kind: 'modify' }>).write!.data)).toEqual(expect.arrayContaining(['description', 'start_dt', 'end_dt']));
  });
});

describe('planPull: a deletion in the calendar', () => {
  const deletedWith = (side: OnOfficeSide): PullCandidate => ({ href: HREF, known, gone: true, side, written: before });
  const matrix: Array<[string, OnOfficeSide, Record<Policy, string[]>]> = [
    ['onOffice unchanged', unchanged, { 'onoffice-wins': ['delete:in onOffice'], 'caldav-wins': ['delete:in onOffice'], newest: ['delete:in onOffice'] }],
    [
      'onOffice changed (a deletion carries no time: newest keeps onOffice’s edit)',
      changedNewer,
      { 'onoffice-wins': ['conflict:onoffice', 'recreate'], 'caldav-wins': ['conflict:caldav', 'delete:in onOffice'], newest: ['conflict:onoffice', 'recreate'] },
    ],
    ['deleted in onOffice too', { kind: 'deleted' }, { 'onoffice-wins': ['delete:gone there'], 'caldav-wins': ['delete:gone there'], newest: ['delete:gone there'] }],
    ['read-only', { kind: 'read-only' }, { 'onoffice-wins': ['recreate'], 'caldav-wins': ['recreate'], newest: ['recreate'] }],
    ['in quarantine', { kind: 'unreadable' }, { 'onoffice-wins': ['wait:deletion'], 'caldav-wins': ['wait:deletion'], newest: ['wait:deletion'] }],
  ];
  for (const [name, side, expected] of matrix) {
    for (const policy of POLICIES) {
      it(`${name}, ${policy}: ${expected[policy].join(', ')}`, () => {
        expect(plan(deletedWith(side), { conflictPolicy: policy })).toEqual(expected[policy]);
      });
    }
  }

  it('cancels instead of deleting under deleteAction cancel', () => {
    expect(plan(deletedWith(unchanged), { deleteAction: 'cancel' })).toEqual(['cancel:in onOffice']);
    expect(plan(deletedWith(changedNewer), { deleteAction: 'cancel', conflictPolicy: 'caldav-wins' })).toEqual(['conflict:caldav', 'cancel:in onOffice']);
  });

  it('stops before deleting when a calendar loses more than the threshold at once, unless forced', () => {
    expect(() => planMassDeleteGuard(CAL, 6, 10, 0.5, false)).toThrow(PullMassDeleteError);
    expect(() => planMassDeleteGuard(CAL, 6, 10, 0.5, true)).not.toThrow();
    expect(() => planMassDeleteGuard(CAL, 5, 10, 0.5, false)).not.toThrow();
    // A handful never trips it, however small the calendar.
    expect(() => planMassDeleteGuard(CAL, 3, 3, 0.2, false)).not.toThrow();
  });
});

describe('planPull: a new event in the calendar', () => {
  const fresh = (uid: string, data: string): PullCandidate => ({ href: `http://dav.example.invalid/cal/${uid}.ics`, gone: false, object: { href: `http://dav.example.invalid/cal/${uid}.ics`, etag: '"9"', data } });

  it('creates an appointment, and asks for a confirmation only when configured and not yet over', () => {
    const upcoming = renderIcs('n1@phone', 'Besichtigung', [], ['DTSTART;TZID=Europe/Berlin:20270301T100000', 'DTEND;TZID=Europe/Berlin:20270301T110000']);
    const past = renderIcs('n2@phone', 'Besichtigung', [], ['DTSTART;TZID=Europe/Berlin:20261101T100000', 'DTEND;TZID=Europe/Berlin:20261101T110000']);
    expect(plan(fresh('n1@phone', upcoming))).toEqual(['create']);
    expect(plan(fresh('n1@phone', upcoming), { confirm: true })).toEqual(['create+confirm']);
    expect(plan(fresh('n2@phone', past), { confirm: true })).toEqual(['create']);
  });

  it('ignores what is not to be imported, and leaves our own UIDs to the push', () => {
    const old = renderIcs('n3@phone', 'Alt', [], ['DTSTART;TZID=Europe/Berlin:20260101T100000', 'DTEND;TZID=Europe/Berlin:20260101T110000']);
    expect(plan(fresh('n3@phone', old))).toEqual(['ignore:ends before the poll horizon']);
    expect(plan(fresh('copy', renderIcs('p1@phone', 'Kopie')))).toEqual(['ignore:a second object with the UID of an event already synced']);
    expect(plan(fresh('ours', renderIcs('onoffice-42@onoffice-sync', 'Unser')))).toEqual([]);
    expect(plan(fresh('empty', 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n'))).toEqual(['ignore:holds no VEVENT']);
    const lone = renderIcs('s1@phone', 'Verschoben', ['RECURRENCE-ID;TZID=Europe/Berlin:20270308T100000']);
    const [action] = planPull([fresh('lone', lone)], policyFor())[0]!.actions;
    expect(action).toMatchObject({ kind: 'ignore', reason: 'holds only occurrence overrides without their series', report: { uid: 's1@phone' } });
  });
});

describe('planPull: an object gone that we never mapped', () => {
  it('forgets its href, and settles a create of unknown outcome made for it', () => {
    const intent = { uid: 'n1@phone', recurrenceId: '', write: { data: { description: 'x' } }, startedAt: '2026-12-01T09:00:00.000Z' };
    const [step] = planPull([{ href: HREF, gone: true, pending: [intent] }], policyFor());
    expect(step!.actions).toEqual([{ kind: 'forget', href: HREF }, { kind: 'settle-intent', intent }]);
  });
});
