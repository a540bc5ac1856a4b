import type { ErrorKind } from '../domain/classify-error.js';
/** A file the user asked for (an export) cannot be written: names the path and what to check. */
export class OutputFileError extends Error {
  override readonly name = 'OutputFileError';
  readonly kind: ErrorKind = 'setup';

  constructor(
    readonly path: string,
    cause: NodeJS.ErrnoException,
  ) {
    super(`cannot write ${path}: ${cause.code ?? cause.message}; ${hint(cause.code)}`, { cause });
  }
}

function hint(code: string | undefined): string {
  if (code === 'ENOENT') return 'its folder does not exist: create it or choose another path';
  if (code === 'EACCES' || code === 'EPERM') return 'no permission: choose a path you may write, or fix the folder rights';
  if (code === 'ENOTDIR' || code === 'EEXIST') return 'a part of the path is a file, not a folder: choose another path';
  if (code === 'EISDIR') return 'that is a folder: give a file name such as calendar.ics';
  if (code === 'EROFS') return 'the filesystem is read-only: choose another path';
  if (code === 'ENOSPC') return 'the disk is full: free space or choose another disk';
  return 'check the path and the folder rights';
}
