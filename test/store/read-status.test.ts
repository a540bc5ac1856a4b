import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { readStatus, renderStatusTable } from '../../src/cli/status-command.js';
import type { Appointment } from '../../src/domain/appointment.js';
import { MODIFIED_CURSOR } from '../../src/onoffice/poll-changes.js';
import { openStateStore } from '../../src/store/open-state-store.js';

describe('status report', () => {
  it('shows the cursor, counts, quarantined records with reasons and the last runs', () => {
    const store = openStateStore(':memory:', { now: () => new Date('2026-11-01T12:00:00Z') });
    const start = DateTime.fromISO('2026-11-03T09:00:00', { zone: 'Europe/Berlin' });
    const appointment = { start, end: start.plus({ hours: 1 }), cancelled: false } as unknown as Appointment;
    store.appointments.upsertRecords([
      { record: { id: 1, type: 'calendar', elements: {} }, hash: 'a', outcome: { ok: true, appointment } },
      { record: { id: 2, type: 'calendar', elements: {} }, hash: 'b', outcome: { ok: true, appointment: { ...appointment, cancelled: true } } },
      { record: { id: 3, type: 'calendar', elements: {} }, hash: 'c', outcome: { ok: false, reason: 'start_dt "next Tuesday" is not a date' } },
    ]);
    store.cursors.set(MODIFIED_CURSOR, '2026-11-01 11:59:50');
    const ok = store.runs.start('poll:incremental');
    store.runs.finish(ok, { counts: { created: 2, updated: 0 } });
    const failed = store.runs.start('poll:incremental');
    store.runs.finish(failed, { error: 'onOffice read calendar: timeout' });

    const report = readStatus(store, undefined, new Date('2026-11-01T12:00:30Z'));
    expect(report).toMatchObject({
      cursor: '2026-11-01T11:59:50Z',
      lagSeconds: 40,
      running: null,
      appointments: { active: 1, cancelled: 1, deleted: 0, quarantined: 1 },
      quarantine: [{ id: 3, reason: 'start_dt "next Tuesday" is not a date' }],
      lastError: { kind: 'poll:incremental', error: 'onOffice read calendar: timeout' },
    });
    expect(report.runs.map((r) => r.id)).toEqual([failed, ok]);
    const table = renderStatusTable(report, 'Europe/Berlin');
    expect(table).toContain('onOffice         read up to 2026-11-01 12:59:50 GMT+1 (lag 40 s)');
    expect(table).not.toContain('(change ');
    expect(table).toContain('1 active, 1 cancelled, 0 deleted, 1 quarantined');
    expect(table).toContain('start_dt "next Tuesday" is not a date');
    expect(table).toContain('FAILED: onOffice read calendar: timeout');
    store.close();
  });
});
