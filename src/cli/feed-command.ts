import type { Command as CommandType } from 'commander';
import type { Config } from '../config/config-schema.js';
import { FeedNotFoundError } from '../feed/feed-errors.js';
import { createFeedBodyRepository } from '../store/feed-body-repository.js';
import { createFeedStatsRepository, FEED_SIZE_LIMIT_BYTES, type FeedStats } from '../feed/feed-stats-repository.js';
import { createFeedTokenRepository } from '../feed/feed-token-repository.js';
import { planFeedBaseUrl, planFeedUrls } from '../feed/plan-feed-urls.js';
import { openStateStore, type StateStore } from '../store/open-state-store.js';
import { addConfigOption, createCommandContext } from './command-context.js';
import { runAction } from './run-action.js';
import { loadCommander } from './load-commander.js';

const { Command, InvalidArgumentError } = loadCommander();

/** What the feed subcommands work on; the text they return is printed as it is. */
export interface FeedCommandContext {
  readonly config: Config;
  readonly store: Pick<StateStore, 'db'>;
  /** Injected for the grace period of a rotation; the wall clock by default. */
  readonly now?: () => Date;
}

export function createFeedCommand(): CommandType {
  const feed = new Command('feed')
    .description('Manage the secret URLs of the ICS feeds configured under "feeds:"')
    .addHelpText('after', '\nExample:\n  onoffice-sync feed add office --config /etc/onoffice-sync/config.yaml\n  onoffice-sync feed rotate office --grace 14');
  addConfigOption(feed.command('add <name>'))
    .description('create the token of a configured feed and print its URLs and a QR code of the webcal URL (shown only once)')
    .option('--no-qr', 'leave out the QR code')
    .addHelpText('after', '\nExample:\n  onoffice-sync feed add office   # then point the phone\'s camera at the QR code')
    .action(runAction(async (name: string, options: { config?: string; qr: boolean }) => withFeedContext(options, (context) => addFeedToken(context, name, options))));
  addConfigOption(feed.command('rotate <name>'))
    .description('replace a feed\'s token and print the new URLs; the old URLs stop working at once, or after --grace days')
    .option('--grace <days>', 'keep the old URLs working for this many days so subscribers can move (0 to 365)', parseGraceDays, 0)
    .option('--no-qr', 'leave out the QR code')
    .addHelpText('after', '\nExample:\n  onoffice-sync feed rotate office --grace 14   # old URLs work for 14 more days')
    .action(
      runAction(async (name: string, options: { config?: string; grace: number; qr: boolean }) =>
        withFeedContext(options, (context) => rotateFeedToken(context, name, { graceDays: options.grace, qr: options.qr })),
      ),
    );
  addConfigOption(feed.command('remove <name>'))
    .description('delete a feed\'s token and figures; its URLs stop working')
    .addHelpText('after', '\nExample:\n  onoffice-sync feed remove office')
    .action(runAction(async (name: string, options: { config?: string }) => withFeedContext(options, (context) => removeFeedToken(context, name))));
  addConfigOption(feed.command('list'))
    .description('show each feed\'s URLs (without the token, which is stored only as a hash), whether it has one, and its figures')
    .addHelpText('after', '\nExample:\n  onoffice-sync feed list')
    .action(runAction(async (options: { config?: string }) => withFeedContext(options, listFeeds)));
  return feed;
}

export function parseGraceDays(value: string): number {
  const days = Number(value);
  if (!/^\d+$/.test(value.trim()) || days > 365) throw new InvalidArgumentError('give a whole number of days from 0 to 365, e.g. --grace 14');
  return days;
}

async function withFeedContext(options: { config?: string }, run: (context: FeedCommandContext) => string | Promise<string>): Promise<number> {
  const { config, logger } = createCommandContext(options);
  const store = openStateStore(config.stateDb, { logger });
  try {
    process.stdout.write(await run({ config, store }));
    return 0;
  } finally {
    store.close();
  }
}

function requireConfiguredFeed(config: Config, name: string): void {
  if (!config.feeds.some((feed) => feed.name === name)) {
    throw new FeedNotFoundError(name, config.feeds.map((feed) => feed.name));
  }
}

export async function addFeedToken(context: FeedCommandContext, name: string, options: { qr?: boolean } = {}): Promise<string> {
  requireConfiguredFeed(context.config, name);
  const token = createFeedTokenRepository(context.store.db, context.now).create(name);
  return `Feed ${name}: token created.\n${await describeNewUrls(context.config, name, token, options.qr ?? true)}`;
}

export async function rotateFeedToken(context: FeedCommandContext, name: string, options: { graceDays?: number; qr?: boolean } = {}): Promise<string> {
  requireConfiguredFeed(context.config, name);
  const tokens = createFeedTokenRepository(context.store.db, context.now);
  const token = tokens.rotate(name, { graceDays: options.graceDays ?? 0 });
  const until = tokens.read(name)?.previousValidUntil;
  const old = until
    ? `the old URLs keep working until ${until} (${options.graceDays} days): move every subscription to the new URL before then.`
    : 'the old URLs no longer work, update every subscription.';
  return `Feed ${name}: new token; ${old}\n${await describeNewUrls(context.config, name, token, options.qr ?? true)}`;
}

export function removeFeedToken(context: FeedCommandContext, name: string): string {
  const removed = createFeedTokenRepository(context.store.db).remove(name);
  createFeedStatsRepository(context.store.db).remove(name);
  createFeedBodyRepository(context.store.db).remove(name);
  return removed
    ? `Feed ${name}: token removed; its URLs no longer work. ${context.config.feeds.some((f) => f.name === name) ? `It is still in the configuration: "onoffice-sync feed add ${name}" makes a new token.` : ''}\n`
    : `Feed ${name} had no token; nothing removed.\n`;
}

export function listFeeds(context: FeedCommandContext): string {
  const { config } = context;
  const tokens = createFeedTokenRepository(context.store.db, context.now);
  const stats = new Map(createFeedStatsRepository(context.store.db).list().map((s) => [s.feedName, s]));
  const base = planFeedBaseUrl(config.daemon);
  const lines: string[] = [];
  if (config.feeds.length === 0) lines.push('No feeds are configured: add them under "feeds:" in the config file.');
  for (const feed of config.feeds) {
    const token = tokens.read(feed.name);
    const urls = planFeedUrls(base, feed.name);
    lines.push(`${feed.name}`);
    lines.push(`  token:   ${token ? `yes (created ${token.createdAt})` : `none: run "onoffice-sync feed add ${feed.name}"`}`);
    if (token?.previousValidUntil) lines.push(`  old:     the token before the last rotation works until ${token.previousValidUntil}`);
    lines.push(`  url:     ${urls.http}`);
    lines.push(`  webcal:  ${urls.webcal}`);
    lines.push(`  path:    ${urls.pathForm}`);
    lines.push(...describeStats(stats.get(feed.name)));
  }
  const configured = new Set(config.feeds.map((feed) => feed.name));
  for (const orphan of tokens.list().filter((t) => !configured.has(t.feedName))) {
    lines.push(`${orphan.feedName}: has a token but is not in the configuration, so it is not served; "onoffice-sync feed remove ${orphan.feedName}" deletes it`);
  }
  lines.push(
    '',
    'The token is stored only as a hash, so the URLs above show <token> where it goes: the full URLs cannot be shown again.',
    'If a URL is lost, "onoffice-sync feed rotate NAME --grace DAYS" makes a new one; the old one keeps working for DAYS days (0: stops at once).',
  );
  return `${lines.join('\n')}\n`;
}

function describeStats(stats: FeedStats | undefined): string[] {
  if (!stats?.renderedAt) return ['  served:  not yet'];
  const lines = [
    `  last:    ${stats.eventCount ?? 0} events, ${stats.sizeBytes ?? 0} bytes, rendered ${stats.renderedAt}`,
    `  served:  ${stats.servedCount} full, ${stats.notModifiedCount} not modified${stats.lastServedAt ? `, last ${stats.lastServedAt}` : ''}`,
  ];
  if (stats.oversize) {
    lines.push(
      `  WARNING: over ${FEED_SIZE_LIMIT_BYTES} bytes, which Google Calendar refuses: narrow it with pastDays/futureDays, users or arts`,
    );
  }
  return lines;
}

async function describeNewUrls(config: Config, name: string, token: string, qr: boolean): Promise<string> {
  const urls = planFeedUrls(planFeedBaseUrl(config.daemon), name, token);
  const lines = [
    'Subscribe with one of these URLs. They contain the secret token, which is shown only now: keep them private.',
    `  url:     ${urls.http}`,
    `  webcal:  ${urls.webcal}`,
    `  path:    ${urls.pathForm}   (for apps that drop the ?token= part)`,
  ];
  if (!config.daemon.publicUrl) {
    lines.push('Note: daemon.publicUrl is not set, so these use the listen address; set it to the public https address.');
  }
  if (qr) lines.push('', 'The webcal URL as a QR code: point a phone\'s camera at it to subscribe.', await renderTerminalQr(urls.webcal));
  return `${lines.join('\n')}\n`;
}

export async function renderTerminalQr(text: string): Promise<string> {
  // qrcode (and pngjs) load only for a QR code, not for `feed list` or `feed --help`.
  const { default: QRCode } = await import('qrcode');
  return QRCode.toString(text, { type: 'terminal', small: true });
}
