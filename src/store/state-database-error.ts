import type { ErrorKind } from '../domain/classify-error.js';

/**
 * SQLite failed underneath us (read-only filesystem, full disk, unreadable file). SQLite's own text
 * ("disk I/O error") names neither the file nor the fix; this does.
 */
export class StateDatabaseError extends Error {
  override readonly name = 'StateDatabaseError';
  readonly kind: ErrorKind = 'transient';
  constructor(
    readonly path: string,
    readonly code: string,
    cause: Error,
  ) {
    super(`state database ${path}: ${explain(code, cause.message)}`, { cause });
  }

  /** Wraps a better-sqlite3 error (code SQLITE_*); anything else is returned as it is. */
  static wrap(error: unknown, path: string): unknown {
    const code = (error as { code?: unknown } | null)?.code;
    if (!(error instanceof Error) || typeof code !== 'string' || !code.startsWith('SQLITE_') || error instanceof StateDatabaseError) return error;
    return new StateDatabaseError(path, code, error);
  }
}

function explain(code: string, message: string): string {
  if (code === 'SQLITE_FULL') return `the disk is full (${message}); free space there, then run again — nothing written is lost`;
  if (code.startsWith('SQLITE_READONLY')) return `cannot write: the file or its filesystem is read-only (${message}); make it writable for the service user (systemd: StateDirectory=)`;
  if (code.startsWith('SQLITE_CANTOPEN')) return `cannot open the file (${message}); check that its folder exists and is writable, or set STATE_DB`;
  if (code.startsWith('SQLITE_IOERR')) return `the disk reported an I/O error (${message}): it may be full or failing; check \`df\` and the filesystem, then run again`;
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return `the file is damaged or not a state database (${message}); restore it from a backup, or move it away to resync from scratch`;
  if (code.startsWith('SQLITE_BUSY')) return `another process kept the database locked (${message}); try again`;
  return `${message} (${code})`;
}
