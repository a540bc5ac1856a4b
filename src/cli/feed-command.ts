import { Command } from 'commander';
import type { Config } from '../config/config-schema.js';
import { FeedNotFoundError } from '../feed/feed-errors.js';
import { createFeedStatsRepository, FEED_SIZE_LIMIT_BYTES, type FeedStats } from '../feed/feed-stats-repository.js';
import { createFeedTokenRepository } from '../feed/feed-token-repository.js';
import { planFeedBaseUrl, planFeedUrls } from '../feed/plan-feed-urls.js';
import { openStateStore, type StateStore } from '../store/open-state-store.js';
import { addConfigOption, createCommandContext } from './command-context.js';
import { runAction } from './run-action.js';

/** What the feed subcommands work on; the text they return is printed as it is. */
export interface FeedCommandContext {
  readonly config: Config;
  readonly store: Pick<StateStore, 'db'>;
}

export function createFeedCommand(): Command {
  const feed = new Command('feed').description('Manage the secret URLs of the ICS feeds configured under "feeds:"');
  const subcommands: Array<[string, string, (context: FeedCommandContext, name: string) => string]> = [
    ['add <name>', 'create the token of a configured feed and print its URLs (shown only once)', addFeedToken],
    ['rotate <name>', 'replace a feed\'s token and print the new URLs; the old URLs stop working', rotateFeedToken],
    ['remove <name>', 'delete a feed\'s token and figures; its URLs stop working', removeFeedToken],
  ];
  for (const [usage, description, run] of subcommands) {
    addConfigOption(feed.command(usage).description(description)).action(
      runAction(async (name: string, options: { config?: string }) => withFeedContext(options, (context) => run(context, name))),
    );
  }
  addConfigOption(feed.command('list').description('show each feed\'s URLs (without the token), whether it has one, and its figures')).action(
    runAction(async (options: { config?: string }) => withFeedContext(options, listFeeds)),
  );
  return feed;
}

function withFeedContext(options: { config?: string }, run: (context: FeedCommandContext) => string): number {
  const { config, logger } = createCommandContext(options);
  const store = openStateStore(config.stateDb, { logger });
  try {
    process.stdout.write(run({ config, store }));
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

export function addFeedToken(context: FeedCommandContext, name: string): string {
  requireConfiguredFeed(context.config, name);
  const token = createFeedTokenRepository(context.store.db).create(name);
  return `Feed ${name}: token created.\n${describeNewUrls(context.config, name, token)}`;
}

export function rotateFeedToken(context: FeedCommandContext, name: string): string {
  requireConfiguredFeed(context.config, name);
  const token = createFeedTokenRepository(context.store.db).rotate(name);
  return `Feed ${name}: new token; the old URLs no longer work, update every subscription.\n${describeNewUrls(context.config, name, token)}`;
}

export function removeFeedToken(context: FeedCommandContext, name: string): string {
  const removed = createFeedTokenRepository(context.store.db).remove(name);
  createFeedStatsRepository(context.store.db).remove(name);
  return removed
    ? `Feed ${name}: token removed; its URLs no longer work. ${context.config.feeds.some((f) => f.name === name) ? `It is still in the configuration: "onoffice-sync feed add ${name}" makes a new token.` : ''}\n`
    : `Feed ${name} had no token; nothing removed.\n`;
}

export function listFeeds(context: FeedCommandContext): string {
  const { config } = context;
  const tokens = createFeedTokenRepository(context.store.db);
  const stats = new Map(createFeedStatsRepository(context.store.db).list().map((s) => [s.feedName, s]));
  const base = planFeedBaseUrl(config.daemon);
  const lines: string[] = [];
  if (config.feeds.length === 0) lines.push('No feeds are configured: add them under "feeds:" in the config file.');
  for (const feed of config.feeds) {
    const token = tokens.read(feed.name);
    const urls = planFeedUrls(base, feed.name);
    lines.push(`${feed.name}`);
    lines.push(`  token:   ${token ? `yes (created ${token.createdAt})` : `none: run "onoffice-sync feed add ${feed.name}"`}`);
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
    'The token is stored only as a hash and cannot be shown again. If a URL is lost, "onoffice-sync feed rotate NAME" makes a new one (the old URL stops working).',
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

function describeNewUrls(config: Config, name: string, token: string): string {
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
  return `${lines.join('\n')}\n`;
}
