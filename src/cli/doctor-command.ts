import type { Command as CommandType } from 'commander';
import { ConfigError } from '../config/config-error.js';
import { describeError } from '../domain/classify-error.js';
import { createClientFromConfig } from '../app/create-sync-runtime.js';
import { OnOfficeActionError, OnOfficeAuthError, OnOfficeClockSkewError, OnOfficeError } from '../onoffice/onoffice-errors.js';
import { addConfigOption, createCommandContext, type CommandContext } from './command-context.js';
import { createCaldavChecks, createStateCheck } from './create-setup-checks.js';
import type { DoctorCheck, DoctorCheckResult, DoctorOptions } from './doctor-check.js';
import { EXIT_FAILED, EXIT_OK, EXIT_SETUP, exitCodeFor } from './exit-code-for.js';
import { runAction } from './run-action.js';
import { redactUrl } from '../log/redact-url.js';
import { loadCommander } from './load-commander.js';

const { Command } = loadCommander();

export interface DoctorOutput {
  write(text: string): unknown;
}

/** onOffice accepts a request timestamp within ±120 s of its own clock. */
const ALLOWED_SKEW_SECONDS = 120;
/** Beyond this the clock still works but is drifting towards the limit. */
const DRIFT_WARNING_SECONDS = 30;

export function createDoctorCommand(): CommandType {
  const command = new Command('doctor').description(
    'Check the configuration, onOffice (signing, credentials, clock), the state database and each CalDAV calendar (discovery, write permission); prints what to fix',
  );
  return addConfigOption(command).addHelpText('after', '\nExample:\n  onoffice-sync doctor --config /etc/onoffice-sync/config.yaml').action(
    runAction(async (options: { config?: string }) => runDoctor(() => createCommandContext(options), process.stdout)),
  );
}

/**
 * Loads the configuration, runs each check in turn and prints ✓/✗ with the fix. Resolves to the exit
 * code: 0 when all is well, 2 when a failure is a setup problem (configuration, credentials, clock),
 * 1 otherwise.
 */
export async function runDoctor(loadContext: () => CommandContext, out: DoctorOutput, options: DoctorOptions = {}): Promise<number> {
  let context: CommandContext;
  try {
    context = loadContext();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    print(out, 'configuration', { ok: false, detail: `${error.key} ${error.problem}`, error });
    out.write('The configuration must load before anything else can be checked.\n');
    return EXIT_SETUP;
  }
  print(out, 'configuration', { ok: true, detail: `loaded (onOffice endpoint ${context.config.onoffice.url})` });

  const checks = (options.createChecks ?? createAllChecks)(context, options);
  let exitCode = EXIT_OK;
  let failures = 0;
  for (const check of checks) {
    let result: DoctorCheckResult;
    try {
      result = await check.run();
    } catch (error) {
      result = { ok: false, detail: describeError(error), error };
    }
    print(out, check.name, result);
    if (!result.ok) {
      failures += 1;
      exitCode = Math.max(exitCode, result.error === undefined ? EXIT_FAILED : exitCodeFor(result.error));
    }
  }
  out.write(failures === 0 ? 'All checks passed.\n' : `${failures} check(s) failed.\n`);
  return exitCode;
}

/** Everything a first run needs: onOffice, the state database, every CalDAV calendar. */
export function createAllChecks(context: CommandContext, options: DoctorOptions = {}): DoctorCheck[] {
  return [...createOnOfficeChecks(context, options), createStateCheck(context), ...createCaldavChecks(context, options)];
}

/**
 * One signed `read calendar` (changes of the last minute, all users) against the configured endpoint,
 * then the clock offset that answer's Date header shows. The clock check reads what the API check
 * measured, so they run in this order.
 */
export function createOnOfficeChecks(context: CommandContext, options: DoctorOptions = {}): DoctorCheck[] {
  const { onoffice } = context.config;
  const now = options.now ?? Date.now;
  // The doctor should answer promptly; one retry rides out a single hiccup.
  const client = createClientFromConfig(onoffice, { fetch: options.fetch, now, logger: context.logger, retries: Math.min(onoffice.retries, 1) });
  let apiError: unknown;

  const apiCheck: DoctorCheck = {
    name: 'onOffice API',
    async run() {
      try {
        const end = now();
        const page = (
          await client.readCalendarBatch([{ modifiedstart: formatUtc(end - 60_000), modifiedend: formatUtc(end), allusers: true }])
        )[0]!;
        if (page instanceof OnOfficeActionError) throw page;
        return {
          ok: true,
          detail: `signed read calendar accepted by ${onoffice.url} (${page.records.length} appointment(s) changed in the last minute)`,
        };
      } catch (error) {
        apiError = error;
        return describeFailure(error, onoffice.token, onoffice.secret);
      }
    },
  };

  const clockCheck: DoctorCheck = {
    name: 'clock',
    async run() {
      const offset = client.lastClockOffsetSeconds();
      if (offset === null) {
        return {
          ok: false,
          detail: 'not measured: onOffice sent no answer with a Date header',
          fix: 'fix the onOffice API check above first',
        };
      }
      const measured = `offset ${offset > 0 ? '+' : ''}${offset} s to the onOffice server (allowed ±${ALLOWED_SKEW_SECONDS} s)`;
      if (Math.abs(offset) > ALLOWED_SKEW_SECONDS) {
        return {
          ok: false,
          detail: `clock skew: ${measured}`,
          fix: 'synchronise this machine\'s clock with NTP (`timedatectl set-ntp true`, check with `timedatectl status`)',
          error: apiError instanceof OnOfficeClockSkewError ? apiError : new OnOfficeClockSkewError('read calendar', offset),
        };
      }
      return { ok: true, detail: Math.abs(offset) > DRIFT_WARNING_SECONDS ? `${measured}; drifting, enable NTP` : measured };
    },
  };

  return [apiCheck, clockCheck];
}

function describeFailure(error: unknown, token: string, secret: string): DoctorCheckResult {
  if (!(error instanceof OnOfficeError)) {
    return { ok: false, detail: describeError(error), error };
  }
  let fix = error.fix;
  if (error instanceof OnOfficeAuthError) {
    // Lengths only: they show a truncated copy or swapped values without revealing anything.
    fix += `; configured: token ${token.length} chars, secret ${secret.length} chars`;
  }
  return { ok: false, detail: `${error.action}: ${error.problem}`, fix, error };
}

function print(out: DoctorOutput, name: string, result: DoctorCheckResult): void {
  out.write(`${result.ok ? '✓' : '✗'} ${name}: ${redactUrl(result.detail)}\n`);
  if (!result.ok && result.fix) out.write(`    fix: ${redactUrl(result.fix)}\n`);
}

/** 'YYYY-MM-DD HH:mm:ss' in UTC, the form of onOffice's modifiedstart/modifiedend. */
function formatUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
