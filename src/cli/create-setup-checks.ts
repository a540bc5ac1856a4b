import { accessSync, constants, existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { readMigrations } from '../store/apply-migrations.js';
import { readStateHealth } from '../store/read-state-health.js';
import { DEFAULT_MIGRATIONS_DIR } from '../store/open-state-store.js';
import { createTargetFromConfig } from '../app/create-sync-runtime.js';
import { isPermanentRefusal } from '../caldav/caldav-errors.js';
import { readCaldavQuarantineFile, type CaldavQuarantineEntry } from '../store/caldav-quarantine-repository.js';
import { planCalendarRoutes } from '../push/plan-desired-objects.js';
import type { CommandContext } from './command-context.js';
import type { DoctorCheck, DoctorCheckResult, DoctorOptions } from './doctor-check.js';

/**
 * The state database: absent is fine before the first sync (its folder must be writable); present, it
 * must open, pass SQLite's quick check and not be newer than this program. Opened read-only: the doctor
 * changes nothing.
 */
export function createStateCheck(context: CommandContext): DoctorCheck {
  const path = context.config.stateDb;
  return {
    name: 'state database',
    async run(): Promise<DoctorCheckResult> {
      const known = readMigrations(DEFAULT_MIGRATIONS_DIR).at(-1)?.version ?? 0;
      if (!existsSync(path)) {
        try {
          accessSync(dirname(path), constants.W_OK);
        } catch {
          return { ok: false, detail: `${path} does not exist and its folder is not writable`, fix: 'set STATE_DB to a writable place (systemd: StateDirectory=)' };
        }
        return { ok: true, detail: `${path} will be created by the first sync (schema version ${known})` };
      }
      try {
        const { integrity, version } = readStateHealth(path);
        if (integrity !== 'ok') return { ok: false, detail: `${path}: SQLite quick_check says ${integrity}`, fix: 'restore the file from a backup, or move it away to resync from scratch' };
        if (version > known) {
          return { ok: false, detail: `${path} is at schema version ${version}, this onoffice-sync knows ${known}`, fix: 'upgrade onoffice-sync, or point STATE_DB elsewhere' };
        }
        return { ok: true, detail: `${path}: schema version ${version}${version < known ? ` (will be migrated to ${known} by the next run)` : ''}` };
      } catch (error) {
        return { ok: false, detail: `${path} cannot be opened: ${(error as Error).message}`, fix: 'check the file’s permissions, or move it away to resync from scratch', error };
      }
    },
  };
}

/**
 * Per CalDAV target and calendar: discovery and credentials, then write permission by writing and
 * deleting a probe event. A calendar that does not exist yet passes (the first sync creates it) once the
 * server accepted the credentials.
 */
export function createCaldavChecks(context: CommandContext, options: DoctorOptions = {}): DoctorCheck[] {
  return context.config.caldav.flatMap((targetConfig) => {
    const target = createTargetFromConfig(targetConfig, { fetch: options.fetch, logger: context.logger, retries: Math.min(targetConfig.retries, 1) });
    return planCalendarRoutes(targetConfig).map(
      (route): DoctorCheck => ({
        name: `CalDAV ${targetConfig.name}: ${route.path}`,
        async run(): Promise<DoctorCheckResult> {
          try {
            const { url, calendar } = await target.findCalendar({ path: route.path, displayName: route.displayName });
            if (!calendar) return { ok: true, detail: `signed in at ${targetConfig.url}; calendar ${url} ("${route.displayName}") will be created by the first sync` };
            const uid = `onoffice-sync-doctor-${randomUUID()}`;
            const probe = await target.createObject(calendar, `${uid}.ics`, renderProbe(uid, new Date(options.now?.() ?? Date.now())));
            await target.deleteObject(calendar, probe.href, probe.etag);
            return { ok: true, detail: `calendar ${calendar.url} ("${calendar.displayName}") found; a test event was written and deleted${describeQuarantine(readCaldavQuarantineFile(context.config.stateDb, targetConfig.name))}` };
          } catch (error) {
            return { ok: false, detail: error instanceof Error ? error.message : String(error), fix: caldavFix(error), error };
          }
        },
      }),
    );
  });
}

function caldavFix(error: unknown): string {
  if (isPermanentRefusal(error)) {
    // A data error, not a permission problem: the server read the event and did not like it.
    return 'the server refused the test event itself, not the account: please report its sentence (above) to the onoffice-sync project';
  }
  const status = (error as { status?: unknown } | null)?.status;
  switch (error instanceof Error ? error.name : '') {
    case 'CaldavAuthError':
      return status === 403
        ? 'the server accepted the login but not the write: give the account write access to this calendar (or the right to create calendars in its home)'
        : 'check CALDAV_USERNAME / CALDAV_PASSWORD (Nextcloud, iCloud, Fastmail and Google need an app password)';
    case 'CaldavNetworkError':
    case 'CaldavTimeoutError':
      return 'check CALDAV_URL and that the server is reachable from this machine';
    case 'CaldavServerError':
      return 'the server failed (5xx or 429); try again later, and check its log if it persists';
    case 'CaldavProtocolError':
    case 'CaldavNotFoundError':
      return 'CALDAV_URL does not look like a CalDAV server: use the DAV root (e.g. https://cloud.example.com/remote.php/dav)';
    case 'CaldavConflictError':
      return 'check that the calendar path points at a calendar and that its parent collection exists';
    case 'CaldavRequestError':
      return 'the server does not support this request here; check the calendar URL and the server log';
    default:
      return 'the user needs permission to create calendars and write events there';
  }
}

function describeQuarantine(entries: readonly CaldavQuarantineEntry[]): string {
  if (entries.length === 0) return '';
  const first = entries[0]!;
  return `; ${entries.length} object(s) the server refused are in quarantine (e.g. appointment ${first.appointmentId}: HTTP ${first.status} "${first.serverText}"), see \`onoffice-sync status\``;
}

/**
 * A test event every tested server takes: DTEND after DTSTART (Cyrus refuses an event without one), its
 * UID the href's name (Sabre and Cyrus compare them), no alarm, nothing that sends mail.
 */
function renderProbe(uid: string, now: Date): string {
  const format = (date: Date): string => date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const start = new Date(Math.floor(now.getTime() / 1000) * 1000);
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//onoffice-sync//doctor//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    `DTSTAMP:${format(start)}`,
    `DTSTART:${format(start)}`,
    `DTEND:${format(new Date(start.getTime() + 15 * 60_000))}`,
    'SUMMARY:onoffice-sync doctor write test (deleted at once)',
    'TRANSP:TRANSPARENT',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}
