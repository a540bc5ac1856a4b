import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates `path` (if missing) readable by its owner only, whatever the umask: the state database, its
 * lock and the exports hold appointment details and feed tokens. SQLite gives its -wal, -shm and
 * -journal files the mode of the database file, so setting it here covers them too. An existing file
 * is tightened as well (one created by an older version was world-readable outside systemd).
 */
export function createPrivateFile(path: string): void {
  let fd: number;
  try {
    createPrivateDirectory(dirname(path));
    fd = openSync(path, 'a', 0o600);
  } catch (error) {
    // A read-only file or folder: SQLite opens it read-only or reports it, naming the file and the fix.
    if (NOT_OURS_TO_CHANGE.has((error as NodeJS.ErrnoException).code ?? '')) return;
    throw error;
  }
  try {
    fchmodSync(fd, 0o600);
  } catch (error) {
    // A file of another user that we may write (shared group) keeps its mode; only its owner can change it.
    if (!NOT_OURS_TO_CHANGE.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    closeSync(fd);
  }
}

const NOT_OURS_TO_CHANGE = new Set(['EACCES', 'EPERM', 'EROFS']);

/** mkdir -p with 0700 for the directories it creates (existing ones are left as they are). */
export function createPrivateDirectory(path: string): void {
  const target = resolve(path);
  const created = mkdirSync(target, { recursive: true, mode: 0o700 });
  if (created === undefined) return;
  const first = resolve(created);
  // mkdir applies the umask; chmod every directory it created, from `path` up to the first one.
  for (let dir = target; ; dir = dirname(dir)) {
    chmodSync(dir, 0o700);
    if (dir === first || dirname(dir) === dir) break;
  }
}
