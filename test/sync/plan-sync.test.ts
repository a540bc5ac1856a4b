import { describe, expect, it } from 'vitest';
import { planSync, countActions, type DesiredObject, type KnownObject, type Drift } from '../../src/push/plan-sync.js';

const desired = (appointmentId: number, hash: string, calendarKey = 't:cal'): DesiredObject => ({
  calendarKey,
  uid: `onoffice-${appointmentId}@x`,
  filename: `onoffice-${appointmentId}@x.ics`,
  ics: `ics-${hash}`,
  hash,
  appointmentId,
});
const known = (appointmentId: number, hash: string, calendarKey = 't:cal'): KnownObject => ({
  calendarKey,
  uid: `onoffice-${appointmentId}@x`,
  href: `http://dav/cal/onoffice-${appointmentId}@x.ics`,
  etag: `"e${appointmentId}"`,
  hash,
  appointmentId,
});

describe('planSync', () => {
  it('creates what is new, updates what changed, leaves the rest alone', () => {
    const plan = planSync({ desired: [desired(1, 'a'), desired(2, 'b2'), desired(3, 'c')], known: [known(2, 'b1'), known(3, 'c')], scope: 'all' });
    expect(countActions(plan)).toEqual({ create: 1, update: 1, delete: 0, unchanged: 1 });
    const update = plan.actions.find((action) => action.kind === 'update');
    expect(update).toMatchObject({ appointmentId: 2, etag: '"e2"', href: 'http://dav/cal/onoffice-2@x.ics' });
  });

  it('deletes known objects of in-scope appointments that are no longer wanted, and only those', () => {
    const plan = planSync({ desired: [], known: [known(1, 'a'), known(2, 'b')], scope: new Set([1]) });
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'delete', appointmentId: 1, etag: '"e1"' })]);
  });

  it('moves an appointment between calendars as a delete plus a create', () => {
    const plan = planSync({ desired: [desired(1, 'a', 't:anna')], known: [known(1, 'a', 't:ben')], scope: new Set([1]) });
    expect(plan.actions.map((action) => `${action.kind}:${action.calendarKey}`).sort()).toEqual(['create:t:anna', 'delete:t:ben']);
  });

  it('restores objects deleted or changed on the server to onOffice’s version', () => {
    const drift = new Map<string, Drift>([
      ['t:cal', { deleted: new Set(['http://dav/cal/onoffice-1@x.ics']), changed: new Map([['http://dav/cal/onoffice-2@x.ics', '"server"']]) }],
    ]);
    const plan = planSync({ desired: [desired(1, 'a'), desired(2, 'b')], known: [known(1, 'a'), known(2, 'b')], scope: 'all', drift });
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: 'create', appointmentId: 1, reason: 'deleted on the server' }),
      expect.objectContaining({ kind: 'update', appointmentId: 2, etag: '"server"', reason: 'changed on the server' }),
    ]);
  });

  it('plans nothing when nothing changed', () => {
    const plan = planSync({ desired: [desired(1, 'a'), desired(2, 'b')], known: [known(1, 'a'), known(2, 'b')], scope: 'all' });
    expect(plan.actions).toHaveLength(0);
    expect(plan.unchanged).toBe(2);
  });

  it('writes one object once even when it is desired twice', () => {
    const plan = planSync({ desired: [desired(1, 'a'), desired(1, 'a')], known: [], scope: 'all' });
    expect(plan.actions).toHaveLength(1);
  });

  it('writes a killed run’s unfinished write again at its own href, listed or not, never under a new name', () => {
    // Journalled at a seed's href (<uid>.ics), which a server may still be storing when the listing is read.
    const unfinished = (appointmentId: number): KnownObject => ({ ...known(appointmentId, ''), href: `http://dav/cal/seeded-${appointmentId}.ics`, etag: null, uncertain: true });
    const drift = new Map<string, Drift>([['t:cal', { deleted: new Set(['http://dav/cal/seeded-1.ics']), changed: new Map() }]]);
    const plan = planSync({ desired: [desired(1, 'a'), desired(2, 'b')], known: [unfinished(1), unfinished(2)], scope: 'all', drift });
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: 'update', appointmentId: 1, href: 'http://dav/cal/seeded-1.ics', etag: null }),
      expect.objectContaining({ kind: 'update', appointmentId: 2, href: 'http://dav/cal/seeded-2.ics', etag: null }),
    ]);
    // No longer wanted: deleted there, whatever the listing said.
    expect(planSync({ desired: [], known: [unfinished(1)], scope: 'all', drift }).actions).toEqual([expect.objectContaining({ kind: 'delete', href: 'http://dav/cal/seeded-1.ics' })]);
  });
});
