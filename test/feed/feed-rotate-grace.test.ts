import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFeedToken, rotateFeedToken, type FeedCommandContext } from '../../src/cli/feed-command.js';
import { startFeedServer, type FeedServer } from '../../src/feed/start-feed-server.js';
import { generateFeedRecords } from './generate-feed-records.js';
import { createCapturedLogger, createFeedTestConfig, openTempStore, storeRecords, type TempStore } from './feed-test-store.js';

const NOW = DateTime.fromISO('2026-03-15T09:00:00Z');
let clock = NOW.toJSDate();
const now = (): Date => clock;
const advanceDays = (days: number): void => {
  clock = new Date(clock.getTime() + days * 86_400_000);
};

let temp: TempStore;
let server: FeedServer;
let context: FeedCommandContext;
const tokenIn = (output: string): string => /\?token=([A-Za-z0-9_-]+)/.exec(output)![1]!;

/** Status of a real HTTP request to the feed server, in both URL forms (they must agree). */
async function statusFor(token: string): Promise<number> {
  const query = await fetch(`${server.url}/feeds/team.ics?token=${token}`);
  const path = await fetch(`${server.url}/feeds/team/${token}.ics`);
  await Promise.all([query.arrayBuffer(), path.arrayBuffer()]);
  expect(path.status).toBe(query.status);
  return query.status;
}

beforeAll(async () => {
  temp = openTempStore(now);
  storeRecords(temp.store, generateFeedRecords(50, NOW));
  const config = createFeedTestConfig([{ name: 'team' }], { publicUrl: 'https://cal.example.com' });
  context = { config, store: temp.store, now };
  server = await startFeedServer({ store: temp.store, config, logger: createCapturedLogger().logger, now, host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await server.close();
  temp.dispose();
});

describe('feed rotate --grace over HTTP', () => {
  it('serves the old token until the grace ends and the new one throughout; a plain rotate ends the old one at once', async () => {
    const first = tokenIn(await addFeedToken(context, 'team', { qr: false }));
    expect(await statusFor(first)).toBe(200);

    const second = tokenIn(await rotateFeedToken(context, 'team', { graceDays: 7, qr: false }));
    expect(await statusFor(first)).toBe(200);
    expect(await statusFor(second)).toBe(200);

    advanceDays(7);
    clock = new Date(clock.getTime() - 1000);
    expect(await statusFor(first)).toBe(200);
    clock = new Date(clock.getTime() + 1000);
    expect(await statusFor(first)).toBe(404);
    expect(await statusFor(second)).toBe(200);

    // A second rotation within a grace keeps only the token it replaced, not the one before.
    const third = tokenIn(await rotateFeedToken(context, 'team', { graceDays: 3, qr: false }));
    const fourth = tokenIn(await rotateFeedToken(context, 'team', { graceDays: 3, qr: false }));
    expect(await statusFor(second)).toBe(404);
    expect(await statusFor(third)).toBe(200);
    expect(await statusFor(fourth)).toBe(200);

    const fifth = tokenIn(await rotateFeedToken(context, 'team', { qr: false }));
    expect(await statusFor(fourth)).toBe(404);
    expect(await statusFor(fifth)).toBe(200);
    expect(await statusFor('not-a-token')).toBe(404);
  });

  it('stores the previous token only as a hash', () => {
    const rows = temp.store.db.prepare('SELECT previous_sha256, token_sha256 FROM feed_tokens').all() as Array<{ previous_sha256: Buffer | null; token_sha256: Buffer }>;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_sha256).toHaveLength(32);
  });
});
