import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addFeedToken, listFeeds, removeFeedToken, rotateFeedToken, type FeedCommandContext } from '../../src/cli/feed-command.js';
import { FeedNotFoundError, FeedTokenExistsError } from '../../src/feed/feed-errors.js';
import { createFeedTokenRepository } from '../../src/feed/feed-token-repository.js';
import { createFeedTestConfig, openTempStore, type TempStore } from './feed-test-store.js';

const now = (): Date => new Date('2026-03-15T09:00:00Z');
let temp: TempStore;
let context: FeedCommandContext;

const tokenIn = (output: string): string => /\?token=([A-Za-z0-9_-]+)/.exec(output)![1]!;

beforeEach(() => {
  temp = openTempStore(now);
  context = { config: createFeedTestConfig([{ name: 'team' }, { name: 'office' }], { publicUrl: 'https://cal.example.com/' }), store: temp.store };
});
afterEach(() => temp.dispose());

describe('feed commands', () => {
  it('prints the https, webcal and path URLs with a 256-bit token once, and stores only its hash', () => {
    const output = addFeedToken(context, 'team');
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

  it('refuses a feed that is not in the configuration and names the fix', () => {
    expect(() => addFeedToken(context, 'nosuch')).toThrow(FeedNotFoundError);
    expect(() => addFeedToken(context, 'nosuch')).toThrow(/configured feeds: team, office.*add "- name: nosuch" under "feeds:"/);
    expect(() => rotateFeedToken(context, 'nosuch')).toThrow(FeedNotFoundError);
  });

  it('refuses a second add and points to rotate, which replaces the token', () => {
    const first = tokenIn(addFeedToken(context, 'team'));
    expect(() => addFeedToken(context, 'team')).toThrow(FeedTokenExistsError);
    expect(() => addFeedToken(context, 'team')).toThrow(/feed rotate team/);
    const second = tokenIn(rotateFeedToken(context, 'team'));
    const tokens = createFeedTokenRepository(temp.store.db);
    expect(second).not.toBe(first);
    expect(tokens.verify('team', first)).toBe(false);
    expect(tokens.verify('team', second)).toBe(true);
  });

  it('lists URLs without the token, says whether one exists and how to get a new one', () => {
    const token = tokenIn(addFeedToken(context, 'team'));
    const output = listFeeds(context);
    expect(output).not.toContain(token);
    expect(output).toContain('https://cal.example.com/feeds/team.ics?token=<token>');
    expect(output).toContain('webcal://cal.example.com/feeds/office.ics?token=<token>');
    expect(output).toMatch(/team\n {2}token: {3}yes/);
    expect(output).toMatch(/office\n {2}token: {3}none: run "onoffice-sync feed add office"/);
    expect(output).toContain('cannot be shown again');
    expect(output).toContain('feed rotate NAME');
  });

  it('removes a token so the URL stops working, and reports a leftover token of an unconfigured feed', () => {
    const token = tokenIn(addFeedToken(context, 'team'));
    createFeedTokenRepository(temp.store.db).create('old');
    expect(listFeeds(context)).toContain('old: has a token but is not in the configuration');
    expect(removeFeedToken(context, 'team')).toContain('token removed');
    expect(createFeedTokenRepository(temp.store.db).verify('team', token)).toBe(false);
    expect(removeFeedToken(context, 'team')).toContain('had no token');
    expect(removeFeedToken(context, 'old')).toContain('token removed');
  });

  it('uses the listen address when no public URL is set, and says so', () => {
    const local = { ...context, config: createFeedTestConfig([{ name: 'team' }], { host: '127.0.0.1', port: 8787 }) };
    const output = addFeedToken(local, 'team');
    expect(output).toContain('http://127.0.0.1:8787/feeds/team.ics?token=');
    expect(output).toContain('daemon.publicUrl is not set');
  });
});
