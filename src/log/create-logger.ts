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
  const level = options.level ?? 'info';
  // An unknown level: pino refuses it, at once as before.
  return Object.hasOwn(LEVEL_VALUES, level) ? createLazyLogger(() => createPinoLogger(options), level) : createPinoLogger(options);
}

function createPinoLogger(options: LoggerOptions): Logger {
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

/** pino's levels (we define none of our own); `silent` writes nothing. */
const LEVEL_VALUES: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Number.POSITIVE_INFINITY };
const noop = (): void => undefined;

/**
 * The logger is pino, made when it is first needed: pino and what it requires take ~15–20 ms to load
 * (issue 17), before a sync's first request, and a run at logLevel error may never log at all. Until
 * then a child is as lazy (it becomes the real logger's child), and a call at a level the logger does
 * not write does nothing, as pino's own does. Anything else (a call that writes, isLevelEnabled, flush,
 * setting the level, …) makes the logger and from then on goes to it.
 */
function createLazyLogger(create: () => Logger, level: string): Logger {
  let real: Logger | undefined;
  const make = (): Logger => (real ??= create());
  const threshold = LEVEL_VALUES[level] ?? 0;
  // A method bound to the logger, so it sees it as `this` (pino keeps its state there); bound again when
  // pino replaces it (it swaps the level methods when the level is set).
  const bound = new Map<PropertyKey, { readonly method: unknown; readonly call: unknown }>();
  const lazyChild = (bindings: Record<string, unknown>, childOptions?: { level?: string }): Logger => {
    const childLevel = childOptions?.level ?? level;
    if (real !== undefined || !Object.hasOwn(LEVEL_VALUES, childLevel)) return make().child(bindings, childOptions);
    return createLazyLogger(() => make().child(bindings, childOptions), childLevel);
  };
  return new Proxy({} as Logger, {
    get(_target, key) {
      if (real === undefined) {
        if (key === 'child') return lazyChild;
        if (key === 'silent' || (typeof key === 'string' && Object.hasOwn(LEVEL_VALUES, key) && (LEVEL_VALUES[key] ?? 0) < threshold)) return noop;
      }
      const logger = make();
      const value: unknown = Reflect.get(logger, key, logger);
      if (typeof value !== 'function') return value;
      const known = bound.get(key);
      if (known?.method === value) return known.call;
      const call: unknown = value.bind(logger);
      bound.set(key, { method: value, call });
      return call;
    },
    set: (_target, key, value) => Reflect.set(make(), key, value),
    has: (_target, key) => Reflect.has(make(), key),
  });
}

/**
 * pino-pretty costs more to load than pino: only a terminal needs it. pino itself loads when a logger
 * is first used (createLazyLogger), so a module that only names the logger (every command's, for
 * `<cmd> --help`) does not pay for it. Both are CommonJS, so they load synchronously here.
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
  return createLazyLogger(() => loadPino().pino({ level: 'silent' }), 'silent');
}
