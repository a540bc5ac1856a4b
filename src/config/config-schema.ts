import { BlockList, isIP } from 'node:net';
import { createRequire } from 'node:module';
import { z } from 'zod/v3';

/**
 * The one description of every option, its type and its default. config/onoffice-sync.example.yaml
 * documents the same options for people; test/config/config-example.test.ts keeps the two in step.
 */

/** The fields of a cron expression with seconds; a 5-field one starts at the minute. */
const CRON_FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'weekday', min: 0, max: 7 },
] as const;

/**
 * Why node-cron cannot use `expression` as meant, or null. node-cron's own check says only yes or no,
 * and it takes steps that are no schedule at all (`*\/100` seconds fires once a minute); this names
 * the field and what is wrong with it.
 */
export function checkCronExpression(expression: string): string | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return `has ${fields.length} field${fields.length === 1 ? '' : 's'}: give 5 (minute hour day month weekday) or 6 with seconds first, e.g. "*/10 * * * * *" for every 10 seconds`;
  }
  const named = fields.length === 6 ? CRON_FIELDS : CRON_FIELDS.slice(1);
  for (const [index, field] of fields.entries()) {
    const { name, min, max } = named[index]!;
    for (const part of field.split(',')) {
      const [range = '', step, ...extra] = part.split('/');
      if (extra.length > 0) return `the ${name} field "${field}" has two steps`;
      if (step !== undefined) {
        if (!/^\d+$/.test(step)) return `the ${name} field "${field}": a step is a whole number (a schedule fires at most once a second)`;
        if (Number(step) === 0) return `the ${name} field "${field}": a step of 0 never advances`;
        if (Number(step) > max - min) return `the ${name} field "${field}": a step of ${step} is more than its range ${min}-${max} holds, so it fires only at ${range === '*' ? min : range.split('-')[0]}; write that value if it is meant`;
      }
      const bounds = /^(\d+)-(\d+)$/.exec(range);
      if (bounds && Number(bounds[1]) > Number(bounds[2])) return `the ${name} field "${field}": the range ${range} runs backwards`;
    }
    const alone = named.map((_, other) => (other === index ? field : '*')).join(' ');
    if (!validateCron(alone)) return `the ${name} field "${field}" is not valid: ${min}-${max}, *, a list (1,5), a range (1-5) or a step (*/10)`;
  }
  return validateCron(expression) ? null : 'is not a cron expression node-cron accepts: 5 fields (minute hour day month weekday), or 6 with seconds first';
}

/** Checked when the config is read, so a typo stops `doctor` rather than the daemon at its first tick. */
// node-cron is loaded only to check an expression the configuration sets (the defaults are not checked).
const requireLazily = createRequire(import.meta.url);
const DEFAULT_SCHEDULE = '* * * * *';
const DEFAULT_RECONCILE_SCHEDULE = '30 3 * * *';
const validateCron = (expression: string): boolean => (requireLazily('node-cron') as typeof import('node-cron')).default.validate(expression);
// zod runs a default through the checks too; the two defaults are valid, so they need no node-cron.
const cronExpression = z.string().superRefine((expression, context) => {
  if (expression === DEFAULT_SCHEDULE || expression === DEFAULT_RECONCILE_SCHEDULE) return;
  const problem = checkCronExpression(expression);
  if (problem) context.addIssue({ code: 'custom', message: `is not a usable cron expression: ${problem}` });
});

/** zod runs every check even after .url() failed, so the later ones must not throw on what is no URL. */
const readUrl = (url: string): URL | null => (URL.canParse(url) ? new URL(url) : null);

const httpUrl = z
  .string()
  .url('must be a URL like https://cloud.example.com/remote.php/dav')
  .refine((url) => readUrl(url)?.protocol.match(/^https?:$/i) !== null, 'must be an http:// or https:// URL')
  // A CalDAV target's user:password@ is taken as its credentials before this (readConfig); elsewhere
  // a password in a URL would end up in logs and is refused.
  .refine((url) => !readUrl(url)?.username && !readUrl(url)?.password, 'must not hold user:password@: give the credentials in their own options');

/** An address (127.0.0.1, ::1) or a subnet (10.0.0.0/8, fd00::/8). */
const addressOrSubnet = z.string().refine((entry) => parseAddressOrSubnet(entry) !== null, 'must be an IP address or a subnet like 10.0.0.0/8');

export function parseAddressOrSubnet(entry: string): { address: string; prefix: number | null; family: 'ipv4' | 'ipv6' } | null {
  const [address = '', prefixText, ...rest] = entry.trim().split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return null;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) return { address, prefix: null, family };
  const prefix = Number(prefixText);
  if (!/^\d+$/.test(prefixText) || prefix > (version === 4 ? 32 : 128)) return null;
  return { address, prefix, family };
}

/** The trusted proxies as a BlockList (node:net), which matches IPv4, IPv6 and subnets. */
export function createAddressList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const parsed = parseAddressOrSubnet(entry);
    if (!parsed) continue;
    if (parsed.prefix === null) list.addAddress(parsed.address, parsed.family);
    else list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return list;
}

/** Names that must be unique in a list (feeds, targets, imports): a second one would silently win or lose. */
function uniqueNames<T extends { name: string }>(items: readonly T[], context: z.RefinementCtx): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (seen.has(item.name)) context.addIssue({ code: 'custom', path: [index, 'name'], message: `"${item.name}" is used twice: each name must be unique` });
    seen.add(item.name);
  });
}
/**
 * A zone Intl accepts. The canonical names are looked up in Intl's list first: the first
 * `Intl.DateTimeFormat` of a process loads ICU's formatting data (~20 ms), which a sync needs only
 * when it renders an event, long after its first request. Anything else (an alias such as US/Eastern,
 * UTC, another spelling) is tried on a DateTimeFormat, so the same names pass as with it alone
 * (test/config/config-schema-timezone.test.ts compares the two).
 */
let canonicalZones: ReadonlySet<string> | undefined;
function isTimeZoneName(zone: string): boolean {
  canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (canonicalZones.has(zone)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
const zoneName = z.string().refine(isTimeZoneName, 'is not an IANA time zone name (e.g. Europe/Berlin)');

export const onOfficeSchema = z.strictObject({
  url: httpUrl.default('https://api.onoffice.de/api/stable/api.php'),
  token: z.string().min(1, 'is missing: set ONOFFICE_TOKEN (or onoffice.token in the config file)'),
  secret: z.string().min(1, 'is missing: set ONOFFICE_SECRET (or onoffice.secret in the config file)'),
  timeoutMs: z.number().int().positive().default(30_000),
  retries: z.number().int().min(0).max(10).default(4),
  /** Base of a link back into onOffice, `{id}` replaced by the appointment id. Empty: no URL property. */
  appointmentUrl: z.string().default(''),
});

export const pollSchema = z.strictObject({
  /** How far before the cursor each incremental read starts again (clock drift, late commits). */
  overlapSeconds: z.number().int().min(0).default(120),
  /**
   * How far behind now the saved cursor stays: each read reaches now (a change is visible at once), but
   * the last lagSeconds, which may still be written to (late commits), are read again by the next run;
   * a re-read unchanged record is a no-op by its hash.
   */
  lagSeconds: z.number().int().min(0).default(10),
  horizonPastDays: z.number().int().min(0).default(90),
  horizonFutureDays: z.number().int().min(1).default(730),
  allusers: z.boolean().default(true),
  users: z.array(z.number().int()).default([]),
  groups: z.array(z.number().int()).default([]),
  /** Share of the known appointments that may vanish in one reconciliation before the run stops. */
  massDeleteThreshold: z.number().min(0).max(1).default(0.2),
  /** Actions sent in one HTTP request. */
  batchSize: z.number().int().min(1).max(50).default(10),
});

export const icalSchema = z.strictObject({
  uidDomain: z.string().min(1).default('onoffice-sync'),
  recurrence: z.enum(['rrule', 'expand']).default('rrule'),
  /** With recurrence: expand, how far ahead occurrences are written. */
  expandDays: z.number().int().min(1).default(365),
  attendees: z.boolean().default(false),
});

const routeSchema = z.strictObject({
  /** onOffice user id or username whose appointments go to this calendar. */
  user: z.union([z.number().int(), z.string()]).optional(),
  /** Calendar path below the calendar home (created when missing), or a full URL. */
  calendar: z.string().min(1),
  displayName: z.string().optional(),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/).optional(),
});

export const caldavTargetSchema = z.strictObject({
  name: z.string().min(1).default('default'),
  /** user:password@ in it is taken as the credentials and removed (readConfig does it). */
  url: httpUrl,
  username: z.string().default(''),
  password: z.string().default(''),
  bearerToken: z.string().default(''),
  /** one: everything into `calendar`; per-user: one calendar per route. */
  routing: z.enum(['one', 'per-user']).default('one'),
  calendar: z.string().min(1).default('onoffice'),
  displayName: z.string().default('onOffice'),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/).default('#1f6feb'),
  routes: z.array(routeSchema).default([]),
  /** per-user: also a calendar for every active onOffice user (from `get users`) without a route of their own. */
  autoRoutes: z.boolean().default(false),
  /** autoRoutes: a departed user's calendar is kept as it is (keep) or emptied of its events (remove). */
  departedUsers: z.enum(['keep', 'remove']).default('keep'),
  /** Only these `art` values; empty: all. */
  arts: z.array(z.string()).default([]),
  private: z.enum(['skip', 'busy-only', 'full']).default('full'),
  cancelled: z.enum(['remove', 'keep']).default('remove'),
  concurrency: z.number().int().min(1).max(32).default(4),
  timeoutMs: z.number().int().positive().default(30_000),
  retries: z.number().int().min(0).max(10).default(3),
  twoWay: z.boolean().default(false),
  /**
   * One-way: the first backfill of an empty calendar goes as one PUT of a whole VCALENDAR on the
   * calendar's URL where the server takes it (Radicale), guarded by the calendar's ETag; elsewhere, or
   * when refused, one object at a time (push/plan-seed.ts).
   */
  seedEmptyCalendars: z.boolean().default(true),
  /**
   * One-way: an idle run (nothing to write) asks a calendar checked less than this long ago nothing at
   * all (domain/may-skip-calendar-check.ts); 0: it asks on every run. Two-way calendars are read every run.
   */
  idleCheckSeconds: z.number().int().min(0).default(30),
  /** Two-way: the onOffice user id that events created in this calendar are for; default: the route's user. */
  userId: z.number().int().positive().optional(),
  /** Two-way: `art` of events created here when no CATEGORIES value maps to one ('' : onOffice's default). */
  defaultArt: z.string().default(''),
  /** Two-way: CATEGORIES value → onOffice `art`. An unmapped first category is sent as the art itself. */
  categoryArts: z.record(z.string(), z.string()).default({}),
  /** Two-way: who wins when an appointment changed in onOffice and in the calendar since the last sync. */
  conflictPolicy: z.enum(['onoffice-wins', 'caldav-wins', 'newest']).default('onoffice-wins'),
  /** Two-way: what an event deleted in the calendar does to its appointment. */
  deleteAction: z.enum(['delete', 'cancel']).default('delete'),
  /** Two-way: send onOffice's appointment confirmation once for each appointment created from this calendar. */
  confirm: z.boolean().default(false),
  useDefaultMailAccount: z.boolean().default(false),
});

export const importSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'must be letters, digits, - and _'),
  url: httpUrl,
  /** onOffice user id the imported appointments are for; none: no participants. */
  userId: z.number().int().positive().optional(),
  /** `art` of imported appointments ('' : onOffice's default). */
  art: z.string().default(''),
  /** Send onOffice's appointment confirmation once for each imported appointment. */
  confirm: z.boolean().default(false),
  useDefaultMailAccount: z.boolean().default(false),
  /** What an event that vanished from the feed (and had not started yet) does to its appointment. */
  deleteAction: z.enum(['delete', 'cancel']).default('delete'),
  timeoutMs: z.number().int().positive().default(30_000),
});

export const feedSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'must be letters, digits, - and _'),
  users: z.array(z.number().int()).default([]),
  groups: z.array(z.number().int()).default([]),
  arts: z.array(z.string()).default([]),
  includeCancelled: z.boolean().default(false),
  privacy: z.enum(['full', 'busy-only']).default('full'),
  privateAppointments: z.enum(['hide', 'busy', 'full']).default('busy'),
  pastDays: z.number().int().min(0).default(30),
  futureDays: z.number().int().min(1).default(365),
  refreshMinutes: z.number().int().min(5).default(60),
});

export const daemonSchema = z.strictObject({
  schedule: cronExpression.default(DEFAULT_SCHEDULE),
  reconcileSchedule: cronExpression.default(DEFAULT_RECONCILE_SCHEDULE),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8787),
  /** Public base URL of the HTTP server, for feed links (e.g. https://cal.example.com). */
  publicUrl: z.string().default(''),
  /** /readyz fails when the last successful run is older than this. */
  readyMaxAgeSeconds: z.number().int().positive().default(600),
  /** Opens the status page at / from other hosts (Bearer or ?token=); empty: the page answers loopback only. */
  adminToken: z
    .string()
    .default('')
    .refine((token) => token === '' || token.length >= 16, 'daemon.adminToken must be at least 16 characters (e.g. `openssl rand -hex 16`), or empty for loopback only'),
  /**
   * Reverse proxies whose X-Forwarded-For names the feed client (addresses or subnets). Empty: the
   * header is ignored, since any client could send it.
   */
  trustedProxies: z.array(addressOrSubnet).default([]),
});

export const configSchema = z.strictObject({
  timezone: zoneName.default('Europe/Berlin'),
  stateDb: z.string().min(1).default('./onoffice-sync.db'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  onoffice: onOfficeSchema,
  poll: pollSchema.default(pollSchema.parse({})),
  ical: icalSchema.default(icalSchema.parse({})),
  caldav: z.array(caldavTargetSchema).superRefine(uniqueNames).default([]),
  feeds: z.array(feedSchema).superRefine(uniqueNames).default([]),
  /** ICS feeds (booking tools) whose events become onOffice appointments. */
  imports: z.array(importSchema).superRefine(uniqueNames).default([]),
  daemon: daemonSchema.default(daemonSchema.parse({})),
});

/**
 * For commands that only read the state database (status, export): they never call onOffice, so its
 * credentials may be missing (empty strings then).
 */
const localOnOfficeSchema = onOfficeSchema.extend({ token: z.string().default(''), secret: z.string().default('') });
export const localConfigSchema = configSchema.extend({ onoffice: localOnOfficeSchema.default(localOnOfficeSchema.parse({})) });

export type Config = Readonly<z.infer<typeof configSchema>>;
export type OnOfficeConfig = z.infer<typeof onOfficeSchema>;
export type PollConfig = z.infer<typeof pollSchema>;
export type IcalConfig = z.infer<typeof icalSchema>;
export type CaldavTargetConfig = z.infer<typeof caldavTargetSchema>;
export type FeedConfig = z.infer<typeof feedSchema>;
export type ImportConfig = z.infer<typeof importSchema>;
export type DaemonConfig = z.infer<typeof daemonSchema>;
