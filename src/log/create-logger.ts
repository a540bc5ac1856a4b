import { pino, type Logger, type DestinationStream, type LoggerOptions } from 'pino';
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
];

const REDACT_PATHS = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

/**
 * The one root logger: JSON lines on stdout (journald keeps them as they are), pretty when stdout is a
 * terminal; on stderr for commands that print data on stdout. Modules take `logger.child({ module })`.
 */
export function createLogger(options: { level?: string; pretty?: boolean; destination?: DestinationStream; toStderr?: boolean } = {}): Logger {
  // A command whose stdout is data (--json) logs to stderr, so the two never mix.
  const fd = options.toStderr ? 2 : 1;
  const pretty = options.pretty ?? (fd === 1 ? process.stdout : process.stderr).isTTY === true;
  const base = { level: options.level ?? 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' }, ...URL_REDACTION };
  if (options.destination) return pino(base, options.destination);
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, destination: fd } } });
  }
  return pino(base, pino.destination({ dest: fd, sync: true }));
}

/**
 * Key-based redaction cannot see a password inside a URL (a `url` field, an error's message, a child's
 * bindings, the message itself): every finished line goes through redactUrl before it is written.
 */
const URL_REDACTION: Pick<LoggerOptions, 'hooks'> = {
  hooks: { streamWrite: (line) => (line.includes('://') ? redactUrl(line) : line) },
};

/** A logger that writes nothing, for tests and library use. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
