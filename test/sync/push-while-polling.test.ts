import { describe, expect, it } from 'vitest';
import { runSync, type SyncRuntime } from '../../src/app/run-sync.js';
import { createMemoryCalendarTarget, type MemoryCalendarTargetOptions } from '../../src/caldav/memory-calendar-target.js';
import type { OnOfficeClient } from '../../src/onoffice/onoffice-client.js';
import { startMemorySync } from '../support/sync-fixture.js';

/** Reads one request at a time (batchSize 1), so a backfill of this size takes several requests. */
async function startFirstRun(options: { seed: number; target?: MemoryCalendarTargetOptions }) {
  const sync = await startMemorySync({ appointments: 1_500, seed: options.seed, prefix: 'oos-push-while-polling-' });
  const target = createMemoryCalendarTarget(options.target);
  const config = { ...sync.config, poll: { ...sync.config.poll, batchSize: 1 } };
  const runtime: SyncRuntime = { ...sync.runtime, config, targets: [{ config: config.caldav[0]!, target }] };
  const calendarUrl = async (): Promise<string> => (await target.ensureCalendar({ path: config.caldav[0]!.calendar, displayName: 'x' })).url;
  /** Appointments the emulator holds that belong on a calendar (not cancelled). */
  const active = () => sync.emulator.data.list().filter((record) => !record.elements.abgesagt).length;
  return { ...sync, target, config, runtime, calendarUrl, active };
}

/** The client, holding each read from the moment the store holds appointments until `released` resolves (or a hang guard). */
function holdingClient(client: OnOfficeClient, holds: () => boolean, released: Promise<void>): OnOfficeClient & { heldUntilReleased: number; heldToGuard: number } {
  const counts = { heldUntilReleased: 0, heldToGuard: 0 };
  let open = false;
  return Object.assign(counts, {
    ...client,
    async readCalendarBatch(params: Parameters<OnOfficeClient['readCalendarBatch']>[0]) {
      if (!open && holds()) {
        let guard: NodeJS.Timeout | undefined;
        // Only against a hang: without the feature nothing releases the hold.
        const outcome = await Promise.race([released.then(() => 'released' as const), new Promise<'guard'>((resolve) => (guard = setTimeout(resolve, 30_000, 'guard')))]);
        clearTimeout(guard);
        if (outcome === 'released') counts.heldUntilReleased += 1;
        else counts.heldToGuard += 1;
        open = true;
      }
      return client.readCalendarBatch(params);
    },
  });
}

/** A first run whose poll reads are held, from the moment appointments are stored, until the target's first create. */
async function startHeldFirstRun(seed: number) {
  let firstCreate!: () => void;
  const created = new Promise<void>((resolve) => (firstCreate = resolve));
  const run = await startFirstRun({ seed, target: { onOperation: (operation) => operation === 'createObject' && firstCreate() } });
  return { run, client: holdingClient(run.runtime.client, () => run.store.appointments.maxChangeSeq() > 0, created) };
}

/** The calendar holds one object per active appointment, each UID once. */
async function expectEachOnce(run: Awaited<ReturnType<typeof startFirstRun>>): Promise<void> {
  const objects = run.target.readObjects(await run.calendarUrl());
  expect(objects.length).toBe(run.active());
  expect(new Set(objects.map((object) => /^UID:(.*)$/m.exec(object.data ?? '')?.[1])).size).toBe(run.active());
}

describe('a first run pushes while its poll still reads', () => {
  it('writes its first objects while a poll request is held, and ends with every appointment once and nothing left for the next run', async () => {
    const { run, client } = await startHeldFirstRun(41);
    try {
      const summary = await runSync({ ...run.runtime, client });
      // A read that went out once appointments were stored waited for the first create, and got it.
      expect(client.heldUntilReleased).toBe(1);
      expect(client.heldToGuard).toBe(0);
      expect(summary.poll.requests).toBeGreaterThan(2);
      expect(summary.failed).toEqual([]);
      expect(summary.targets[0]!.created).toBe(run.active());
      await expectEachOnce(run);
      // The target's cursor covers everything the poll stored: the next run writes nothing.
      const again = await runSync(run.runtime);
      expect(again.targets[0]!).toMatchObject({ created: 0, updated: 0, deleted: 0 });
      expect(run.target.readObjects(await run.calendarUrl()).length).toBe(run.active());
    } finally {
      await run.close();
    }
  }, 120_000);

  it('still sends a calendar it seeds as one seed with every appointment, after the poll', async () => {
    const run = await startFirstRun({ seed: 42, target: { collectionPut: 'accept' } });
    try {
      const summary = await runSync(run.runtime);
      expect(summary.failed).toEqual([]);
      expect(run.target.requestCounts.seedCalendar).toBe(1);
      expect(run.target.requestCounts.createObject).toBe(0);
      expect(run.target.readObjects(await run.calendarUrl()).length).toBe(run.active());
    } finally {
      await run.close();
    }
  }, 120_000);

  it('fails with the poll’s error when the poll fails after the push began, and the next run completes with each appointment once', async () => {
    const { run, client: held } = await startHeldFirstRun(43);
    try {
      // The read held until the push wrote, then failing as onOffice going away would.
      const failing: OnOfficeClient = {
        ...held,
        async readCalendarBatch(params) {
          const before = held.heldUntilReleased;
          const pages = await held.readCalendarBatch(params);
          if (held.heldUntilReleased > before) throw new Error('onOffice went away');
          return pages;
        },
      };
      await expect(runSync({ ...run.runtime, client: failing })).rejects.toThrow('onOffice went away');
      expect(held.heldUntilReleased).toBe(1);
      const written = run.target.readObjects(await run.calendarUrl()).length;
      expect(written).toBeGreaterThan(0);
      expect(written).toBeLessThan(run.active());
      const summary = await runSync(run.runtime);
      expect(summary.failed).toEqual([]);
      await expectEachOnce(run);
      expect(summary.targets[0]!.created).toBe(run.active() - written);
    } finally {
      await run.close();
    }
  }, 120_000);
});
