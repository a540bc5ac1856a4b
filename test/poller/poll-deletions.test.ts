import { afterEach, describe, expect, it } from 'vitest';
import { MassDeleteGuardError } from '../../src/onoffice/poll-errors.js';
import { startPollHarness, type PollHarness } from './poll-harness.js';

let harness: PollHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Single appointments in the middle of the horizon: a sweep must see them. */
function pickSingles(h: PollHarness, n: number): number[] {
  return h.emulator.data
    .list()
    .filter((r) => !r.elements.rp_flag && r.elements.start_dt >= '2026-12-01' && r.elements.start_dt < '2027-12-01')
    .slice(0, n)
    .map((r) => r.id);
}

describe('deletions found by the reconciliation sweep', () => {
  it('marks vanished appointments deleted, but not a series that began before the horizon', async () => {
    harness = await startPollHarness({ count: 400 });
    harness.emulator.data.insert({
      start_dt: '2026-01-05 09:00:00', end_dt: '2026-01-05 10:00:00', description: 'weekly since January',
      rp_flag: true, rp_type: 'w', rp_tage: 1, rp_beginn_datum: '2026-01-05', rp_ende_status: '2',
    });
    await harness.poll();
    harness.advance(60);
    const series = harness.emulator.data.list().at(-1)!.id;
    // The series began before the horizon: only a modified read brings it in.
    harness.emulator.data.update(series, { note: 'touched' });
    harness.advance(30);
    await harness.poll();
    expect(harness.store.appointments.get(series)?.status).toBe('active');

    const gone = pickSingles(harness, 5);
    for (const id of gone) harness.emulator.data.remove(id);
    harness.advance(60);
    expect((await harness.poll()).deleted).toBe(0);
    const result = await harness.poll({ full: true });
    expect(result).toMatchObject({ mode: 'full', deleted: 5 });
    for (const id of gone) expect(harness.store.appointments.get(id)).toMatchObject({ status: 'deleted' });
    expect(harness.store.appointments.get(series)?.status).toBe('active');
    expect(harness.store.appointments.counts().deleted).toBe(5);
  });

  it('stops at the mass-delete guard, marking nothing, and --force-delete passes', async () => {
    harness = await startPollHarness({ count: 400 });
    await harness.poll();
    const known = harness.store.appointments.counts();
    const gone = pickSingles(harness, Math.ceil((known.active + known.cancelled) * 0.3));
    for (const id of gone) harness.emulator.data.remove(id);
    harness.advance(60);
    const error = await harness.poll({ full: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MassDeleteGuardError);
    expect((error as MassDeleteGuardError).wouldDelete).toBe(gone.length);
    expect(harness.store.appointments.counts().deleted).toBe(0);

    const forced = await harness.poll({ full: true, forceDelete: true });
    expect(forced.deleted).toBe(gone.length);
    expect(harness.store.appointments.counts().deleted).toBe(gone.length);
  });
});
