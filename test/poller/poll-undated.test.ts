import { afterEach, describe, expect, it } from 'vitest';
import { formatUtcTimestamp } from '../../src/emulator/emulator-database.js';
import type { ReadCalendarParams } from '../../src/onoffice/onoffice-client.js';
import { FILTER_WITHOUT_PERIOD_ERROR_CODE, OnOfficeActionError } from '../../src/onoffice/onoffice-errors.js';
import type { PollClient } from '../../src/onoffice/poll-changes.js';
import { compareWithEmulator, horizonOf, isInHorizon, startPollHarness, type PollHarness } from './poll-harness.js';

let harness: PollHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const isUndatedRead = (p: ReadCalendarParams): boolean => p.modifiedstart !== undefined && p.filter !== undefined;

/** The harness's client, recording every action, with onOffice answering the undated read as `answer` says. */
function withUndatedFilter(h: PollHarness, answer: 'honoured' | 'refused' | 'ignored', sent: ReadCalendarParams[][]): PollClient {
  return {
    readCalendarBatch: (params) => {
      sent.push(params);
      if (answer === 'ignored') return h.client.readCalendarBatch(params.map((p) => (isUndatedRead(p) ? { ...p, filter: undefined } : p)));
      if (answer === 'honoured') return h.client.readCalendarBatch(params);
      return h.client.readCalendarBatch(params).then((pages) =>
        pages.map((page, i) => (isUndatedRead(params[i]!) ? new OnOfficeActionError('read calendar', FILTER_WITHOUT_PERIOD_ERROR_CODE, 'filter without date period') : page)),
      );
    },
  };
}

describe('backfill and records no date period returns', () => {
  for (const answer of ['honoured', 'refused', 'ignored'] as const) {
    it(`reports (quarantines) every record with both dates 0000-00-00 that a modified window returns, and nothing else changes (start_dt filter ${answer})`, async () => {
      harness = await startPollHarness({ count: 2000 });
      const day = 86_400_000;
      // Modified anywhere in the horizon's past days, up to the lag before now: where a modified window reaches.
      const undated = Array.from({ length: 30 }, (_, i) =>
        harness!.emulator.data.insert(
          { start_dt: '0000-00-00 00:00:00', end_dt: '0000-00-00 00:00:00' },
          { modified: formatUtcTimestamp(harness!.clock - 60_000 - Math.floor((i / 30) * 89 * day)) },
        ),
      );
      const sent: ReadCalendarParams[][] = [];
      const result = await harness.poll({ client: withUndatedFilter(harness, answer, sent) });
      expect(result.mode).toBe('backfill');
      expect(harness.store.appointments.listQuarantine().map((q) => Number(q.recordId)).sort((a, b) => a - b)).toEqual(undated);
      const expected = harness.emulator.data.list().filter((r) => !undated.includes(r.id) && isInHorizon(r, horizonOf(harness!)));
      expect(compareWithEmulator(harness, expected)).toMatchObject({ missing: [], stale: [] });
      expect(harness.store.appointments.counts().active + harness.store.appointments.counts().cancelled).toBe(expected.length);
      // Records read: the horizon's appointments and the undated ones, none counted twice.
      expect(result.records).toBe(expected.length + undated.length);
      // The cursor stays where the sweep put it.
      expect(harness.store.cursors.get('onoffice:modified')?.value).toBe('2026-11-01 11:59:50');
      const modifiedReads = sent.flat().filter((p) => p.modifiedstart !== undefined);
      if (answer === 'honoured') {
        // One action asks for the undated records alone, in the sweep's first request: no request of its
        // own, and the sweep's records are not read a second time.
        expect(modifiedReads).toHaveLength(1);
        expect(sent[0]!.filter(isUndatedRead)).toEqual(modifiedReads);
        expect(modifiedReads[0]!.filter).toEqual({ start_dt: [{ op: '<', val: '1900-01-01 00:00:00' }] });
      } else {
        // The filter did not hold: the horizon's modified windows are read whole, as without it.
        expect(modifiedReads.filter((p) => p.filter === undefined).length).toBeGreaterThan(1);
      }
    });
  }
});
