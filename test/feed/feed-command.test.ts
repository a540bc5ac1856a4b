import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import QRCode from 'qrcode';
import { createFeedBodyRepository } from '../../src/store/feed-body-repository.js';
import { addFeedToken, listFeeds, parseGraceDays, removeFeedToken, rotateFeedToken, type FeedCommandContext } from '../../src/cli/feed-command.js';
import { FeedNotFoundError, FeedTokenExistsError } from '../../src/feed/feed-errors.js';
import { createFeedTokenRepository } from '../../src/feed/feed-token-repository.js';
import { createFeedTestConfig, openTempStore, type TempStore } from './feed-test-store.js';

const now = (): Date => new Date('2026-03-15T09:00:00Z');
let temp: TempStore;
let context: FeedCommandContext;

const tokenIn = (output: string): string => /\?token=([A-Za-z0-9_-]+)/.exec(output)![1]!;

/**
 * The dark modules of the small terminal QR code in `output`: each character is two rows, drawn with
 * half blocks in the foreground colour over the background colour (30/40 black, 37/47 white, 0 reset).
 */
function readTerminalQr(output: string): string[] {
  const rows: string[] = [];
  for (const line of output.split('\n').filter((l) => l.includes('\x1b[47m'))) {
    let fg = '0';
    let bg = '0';
    let top = '';
    let bottom = '';
    for (const [, code, char] of line.matchAll(/\x1b\[(\d+)m|(.)/gsu)) {
      if (code === '0') [fg, bg] = ['0', '0'];
      else if (code === '30' || code === '37') fg = code;
      else if (code === '40' || code === '47') bg = code;
      else if (char !== undefined) {
        const [upper, lower] = char === '▀' ? [fg, bg] : char === '▄' ? [bg, fg] : char === '█' ? [fg, fg] : [bg, bg];
        top += upper === '30' || upper === '40' ? '1' : '0';
        bottom += lower === '30' || lower === '40' ? '1' : '0';
      }
    }
    rows.push(top, bottom);
  }
  return trimLight(rows);
}

/** The QR code's own module matrix for `text`, as qrcode encodes it. */
function readModules(text: string): string[] {
  const { size, data } = QRCode.create(text, {}).modules;
  return trimLight(Array.from({ length: size }, (_, y) => Array.from({ length: size }, (_, x) => (data[y * size + x] ? '1' : '0')).join('')));
}

function trimLight(rows: string[]): string[] {
  const dark = rows.filter((row) => row.includes('1'));
  const left = Math.min(...dark.map((row) => row.indexOf('1')));
  const right = Math.max(...dark.map((row) => row.lastIndexOf('1')));
  return dark.map((row) => row.slice(left, right + 1));
}

beforeEach(() => {
  temp = openTempStore(now);
  context = { config: createFeedTestConfig([{ name: 'team' }, { name: 'office' }], { publicUrl: 'https://cal.example.com/' }), store: temp.store, now };
});
afterEach(() => temp.dispose());

describe('feed commands', () => {
  it('prints the https, webcal and path URLs with a 256-bit token once, and stores only its hash', async () => {
    const output = await addFeedToken(context, 'team');
    const token = tokenIn(output);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(output).toContain(`https://cal.example.com/feeds/team.ics?token=${token}`);
    expect(output).toContain(`webcal://cal.example.com/feeds/team.ics?token=${token}`);
    expect(output).toContain(`https://cal.example.com/feeds/team/${token}.ics`);
    const stored = temp.store.db.prepare('SELECT * FROM feed_tokens').all() as Array<Record<string, unknown>>;
    expect(JSON.stringify(stored)).not.toContain(token);
    expect((stored[0]!.token_sha256 as Buffer).length).toBe(32);
    expect(createFeedTokenRepository(temp.store.db).verify('team', token)).toBe(true);
  });

  it('refuses a feed that is not in the configuration and names the fix', async () => {
    await expect(addFeedToken(context, 'nosuch')).rejects.toThrow(FeedNotFoundError);
    await expect(addFeedToken(context, 'nosuch')).rejects.toThrow(/configured feeds: team, office.*add "- name: nosuch" under "feeds:"/);
    await expect(rotateFeedToken(context, 'nosuch')).rejects.toThrow(FeedNotFoundError);
  });

  it('refuses a second add and points to rotate, which replaces the token', async () => {
    const first = tokenIn(await addFeedToken(context, 'team'));
    await expect(addFeedToken(context, 'team')).rejects.toThrow(FeedTokenExistsError);
    await expect(addFeedToken(context, 'team')).rejects.toThrow(/feed rotate team/);
    const second = tokenIn(await rotateFeedToken(context, 'team'));
    const tokens = createFeedTokenRepository(temp.store.db);
    expect(second).not.toBe(first);
    expect(tokens.verify('team', first)).toBe(false);
    expect(tokens.verify('team', second)).toBe(true);
  });

  it('lists URLs without the token, says whether one exists and how to get a new one', async () => {
    const token = tokenIn(await addFeedToken(context, 'team'));
    const output = listFeeds(context);
    expect(output).not.toContain(token);
    expect(output).toContain('https://cal.example.com/feeds/team.ics?token=<token>');
    expect(output).toContain('webcal://cal.example.com/feeds/office.ics?token=<token>');
    expect(output).toMatch(/team\n {2}token: {3}yes/);
    expect(output).toMatch(/office\n {2}token: {3}none: run "onoffice-sync feed add office"/);
    expect(output).toContain('cannot be shown again');
    expect(output).toContain('feed rotate NAME');
  });

  it('removes a token so the URL stops working, and reports a leftover token of an unconfigured feed', async () => {
    const token = tokenIn(await addFeedToken(context, 'team'));
    const bodies = createFeedBodyRepository(temp.store.db);
    bodies.write({ feedName: 'team', bodyKey: 'k', changeSeq: 1, body: Buffer.from('BEGIN:VCALENDAR'), bodySha256: 'h', eventCount: 0, newestModifiedMs: null, skipped: 0 });
    createFeedTokenRepository(temp.store.db).create('old');
    expect(listFeeds(context)).toContain('old: has a token but is not in the configuration');
    expect(removeFeedToken(context, 'team')).toContain('token removed');
    expect(createFeedTokenRepository(temp.store.db).verify('team', token)).toBe(false);
    expect(bodies.readCurrent('team', 'k', 1)).toBeUndefined();
    expect(removeFeedToken(context, 'team')).toContain('had no token');
    expect(removeFeedToken(context, 'old')).toContain('token removed');
  });

  it('uses the listen address when no public URL is set, and says so', async () => {
    const local = { ...context, config: createFeedTestConfig([{ name: 'team' }], { host: '127.0.0.1', port: 8787 }) };
    const output = await addFeedToken(local, 'team');
    expect(output).toContain('http://127.0.0.1:8787/feeds/team.ics?token=');
    expect(output).toContain('daemon.publicUrl is not set');
  });

  it('prints a QR code that encodes exactly the webcal URL, unless asked not to', async () => {
    const output = await addFeedToken(context, 'team');
    const webcal = `webcal://cal.example.com/feeds/team.ics?token=${tokenIn(output)}`;
    expect(output).toContain('point a phone\'s camera at it');
    expect(output).toContain(await QRCode.toString(webcal, { type: 'terminal', small: true }));
    expect(output).not.toContain(await QRCode.toString(webcal.replace('webcal://', 'https://'), { type: 'terminal', small: true }));
    expect(readTerminalQr(output)).toEqual(readModules(webcal));
    const rotated = await rotateFeedToken(context, 'team', { qr: false });
    expect(rotated).not.toContain('\x1b[');
    expect(rotated).not.toContain('QR code');
  });

  it('says how long the old URLs keep working after a rotation with a grace, and lists it', async () => {
    await addFeedToken(context, 'team');
    const output = await rotateFeedToken(context, 'team', { graceDays: 14, qr: false });
    expect(output).toContain('the old URLs keep working until 2026-03-29T09:00:00.000Z (14 days)');
    expect(listFeeds(context)).toContain('  old:     the token before the last rotation works until 2026-03-29T09:00:00.000Z');
    expect(await rotateFeedToken(context, 'team', { qr: false })).toContain('the old URLs no longer work');
    expect(listFeeds(context)).not.toContain('old:');
  });

  it('accepts a grace of 0 to 365 whole days and names the fix otherwise', () => {
    expect(parseGraceDays('14')).toBe(14);
    expect(parseGraceDays('0')).toBe(0);
    for (const bad of ['-1', '1.5', 'two', '', '366']) expect(() => parseGraceDays(bad)).toThrow(/whole number of days from 0 to 365, e\.g\. --grace 14/);
  });
});
