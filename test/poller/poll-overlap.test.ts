import { afterEach, describe, expect, it } from 'vitest';
import type { PollClient } from '../../src/onoffice/poll-changes.js';
import { pollChanges } from '../../src/onoffice/poll-changes.js';
import { compareWithEmulator, horizonOf, isInHorizon, startPollHarness, type PollHarness } from './poll-harness.js';

let harness: PollHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The harness's client, logging each request as it is sent and as its answer arrives. */
function loggingClient(h: PollHarness, events: string[], fail?: (request: number) => boolean): PollClient {
  let sent = 0;
  return {
    readCalendarBatch(params) {
      const request = ++sent;
      events.push(`sent ${request}`);
      if (fail?.(request)) return Promise.reject(new Error(`request ${request} failed`));
      return h.client.readCalendarBatch(params).then((pages) => {
        events.push(`answered ${request}`);
        return pages;
      });
    },
  };
}

describe('the poll sends its next request before it stores a batch', () => {
  it('has the next request out before each batch but the last is committed, and loses nothing', async () => {
    harness = await startPollHarness({ count: 4000, poll: { batchSize: 2 } });
    const events: string[] = [];
    const store = harness.store;
    const transaction = store.transaction.bind(store);
    store.transaction = (fn) => {
      events.push('commit');
      return transaction(fn);
    };
    const result = await pollChanges({ client: loggingClient(harness, events), store, config: harness.config, now: harness.now });
    expect(result.requests).toBeGreaterThan(3);
    // After every answer that another request follows, that request goes out first: nothing is
    // committed between an answer and the next request (the old order was answer, commit, request).
    const answers = events.flatMap((event, index) => (event.startsWith('answered') ? [index] : []));
    const lastSent = events.lastIndexOf(`sent ${result.requests}`);
    const followed = answers.filter((index) => index < lastSent);
    expect(followed.length).toBe(result.requests - 1);
    for (const index of followed) expect(events[index + 1]).toMatch(/^sent /);
    // Each batch is still committed, in order, once its answer is read.
    expect(events.filter((event) => event === 'commit').length).toBeGreaterThanOrEqual(result.requests);
    const expected = harness.emulator.data.list().filter((record) => isInHorizon(record, horizonOf(harness!)));
    expect(compareWithEmulator(harness, expected)).toEqual({ missing: [], stale: [], extra: [] });
  });

  it('fails with the store error when a commit fails while the next request is out, and that request failing too is not unhandled', async () => {
    harness = await startPollHarness({ count: 4000, poll: { batchSize: 2 } });
    const events: string[] = [];
    const store = harness.store;
    store.transaction = () => {
      throw new Error('disk I/O error');
    };
    // The second request (sent before the first batch is committed) fails as well.
    const client = loggingClient(harness, events, (request) => request === 2);
    await expect(pollChanges({ client, store, config: harness.config, now: harness.now, recordRun: false })).rejects.toThrow('disk I/O error');
    expect(events.slice(0, 3)).toEqual(['sent 1', 'answered 1', 'sent 2']);
  });
});

describe('a sweep stored in pieces (sweepPiece)', () => {
  it('commits each batch in transactions of at most that many records with a turn of the event loop between, and loses nothing', async () => {
    harness = await startPollHarness({ count: 2000 });
    const store = harness.store;
    const transaction = store.transaction.bind(store);
    const stored: number[] = [];
    let turns = 0;
    let turnedSinceCommit = true;
    store.transaction = (fn) => {
      const before = store.appointments.maxChangeSeq();
      const result = transaction(fn);
      stored.push(store.appointments.maxChangeSeq() - before);
      // setImmediate callbacks run between the pieces: count the commits that had one before them.
      if (turnedSinceCommit) turns += 1;
      turnedSinceCommit = false;
      setImmediate(() => (turnedSinceCommit = true));
      return result;
    };
    const progress: number[] = [];
    const result = await pollChanges({ client: harness.client, store, config: harness.config, now: harness.now, sweepPiece: 25, onProgress: (p) => progress.push(p.records) });
    expect(result.created).toBeGreaterThan(1000);
    expect(Math.max(...stored)).toBeLessThanOrEqual(25);
    expect(stored.reduce((sum, count) => sum + count, 0)).toBe(result.created);
    // Every piece but the few at a batch's start came after a turn of the event loop.
    expect(turns).toBeGreaterThanOrEqual(Math.ceil(result.created / 25) - result.requests);
    // Progress after each piece, never going back.
    expect(progress.length).toBeGreaterThanOrEqual(Math.ceil(result.created / 25));
    for (let index = 1; index < progress.length; index += 1) expect(progress[index]).toBeGreaterThanOrEqual(progress[index - 1]!);
    const expected = harness.emulator.data.list().filter((record) => isInHorizon(record, horizonOf(harness!)));
    expect(compareWithEmulator(harness, expected)).toEqual({ missing: [], stale: [], extra: [] });
  });
});
