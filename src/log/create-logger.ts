import { createRequire } from 'node:module';
import type { Logger, DestinationStream, LoggerOptions as PinoOptions } from 'pino';
import { REDACTED, redactSecrets } from './redact-secrets.js';
import { redactUrl } from './redact-url.js';

export type { Logger } from 'pino';

/** Every key that may ever hold a credential; pino replaces their values wherever they appear. */
export const REDACTED_KEYS = [
  'token',
  'secret',
  'password',
  'bearerToken',
  'authorization',
  'Authorization',
  'hmac',
  'feedToken',
  'adminToken',
];

const REDACTED_KEY_SET: ReadonlySet<string> = new Set(REDACTED_KEYS);

/**
 * A line's fields go through redactSecrets (top level and two levels down). pino's `redact` keeps the
 * top-level keys only, for a child's bindings (pino gives those to no formatter; ours are flat strings):
 * a wildcard path there (`*.token`) runs pino's redaction over every field of every line.
 */
const REDACTION: Pick<PinoOptions, 'redact' | 'formatters'> = {
  redact: { paths: [...REDACTED_KEYS], censor: REDACTED },
  formatters: { log: (fields) => redactSecrets(fields, REDACTED_KEY_SET) },
};

export interface LoggerOptions {
  readonly level?: string;
  /** One coloured line per event for a person; default: when stderr is a terminal. */
  readonly pretty?: boolean;
  /** Where the lines go instead of stderr (tests). */
  readonly destination?: DestinationStream;
}

/**
 * The one root logger, on stderr: stdout carries only a command's own output (tables, JSON, URLs), so
 * `status --json | jq` and a script reading `sync` work whatever is logged. Off a terminal the lines are
 * JSON with an ISO time and the level's name (journald and log shippers read them as they are); on a
 * terminal each event is one short line. Modules take `logger.child({ module })`.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const { pino } = loadPino();
  const destination = options.destination ?? pino.destination({ dest: 2, sync: true });
  const pretty = options.pretty ?? (options.destination === undefined && process.stderr.isTTY === true);
  const base = { level: options.level ?? 'info', ...REDACTION, ...URL_REDACTION };
  if (pretty) return pino(base, createPrettyStream(destination, options.destination === undefined));
  return pino(
    {
      ...base,
      // pid and hostname are in every journald record already; a log line need not repeat them.
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { ...REDACTION.formatters, level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/**
 * pino-pretty costs more to load than pino: only a terminal needs it. pino itself loads on the first
 * logger, so a module that only names the logger (every command's, for `<cmd> --help`) does not pay for
 * it. Both are CommonJS, so they load synchronously here.
 */
const requireLazily = createRequire(import.meta.url);
const loadPino = (): typeof import('pino') => requireLazily('pino') as typeof import('pino');
const loadPinoPretty = (): typeof import('pino-pretty') => requireLazily('pino-pretty') as typeof import('pino-pretty');

/** Fields every line has (shown in front) or that a person need not see. */
const PRETTY_HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'module']);

/**
 * One line for a person: `[time] LEVEL: module: message key=value …`, leaving out zero counts so an
 * idle run's summary stays short. In-process (no worker thread), so a command's last lines are written
 * before it exits.
 */
function createPrettyStream(destination: DestinationStream, colorize: boolean): DestinationStream {
  return loadPinoPretty().PinoPretty({ destination, ...prettyOptions(colorize) });
}

/** The same one-line format for a caller that writes the lines itself (the progress line on a terminal). */
export function createPrettyFormatter(colorize = true): (line: string) => string {
  return loadPinoPretty().prettyFactory(prettyOptions(colorize));
}

function prettyOptions(colorize: boolean) {
  return {
    colorize,
    // The fields are on the message line (messageFormat); hideObject leaves out pino-pretty's own.
    translateTime: 'SYS:HH:MM:ss',
    hideObject: true,
    ignore: 'pid,hostname',
    messageFormat: (log: Record<string, unknown>) => {
      const fields = Object.entries(log)
        .filter(([key, value]) => !PRETTY_HIDDEN.has(key) && value !== 0 && value !== undefined && value !== null)
        .map(([key, value]) => `${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`);
      return [typeof log.module === 'string' ? `${log.module}: ${String(log.msg)}` : String(log.msg), ...fields].join(' ');
    },
  };
}

/**
 * Key-based redaction cannot see a password inside a URL (a `url` field, an error's message, a child's
 * bindings, the message itself): every finished line goes through redactUrl before it is written.
 */
const URL_REDACTION: Pick<PinoOptions, 'hooks'> = {
  hooks: { streamWrite: (line) => (line.includes('://') ? redactUrl(line) : line) },
};

/** A logger that writes nothing, for tests and library use. */
export function createSilentLogger(): Logger {
  return loadPino().pino({ level: 'silent' });
}
