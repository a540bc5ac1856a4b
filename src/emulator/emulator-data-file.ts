import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { EmulatorSnapshot } from './emulator-database.js';

/** `--data FILE` could not be read back: named, with what to do, and the file is left as it is. */
export class EmulatorDataFileError extends Error {
  override readonly name = 'EmulatorDataFileError';
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`emulator data file ${path}: ${problem}; fix or move the file away (a missing file starts with generated appointments)`);
  }
}

/** The snapshot kept in `path`, or null when there is no such file yet. */
export function readEmulatorDataFile(path: string): EmulatorSnapshot | null {
  if (!existsSync(path)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new EmulatorDataFileError(path, `it is not readable JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const snapshot = parsed as Partial<EmulatorSnapshot> | null;
  if (snapshot?.version !== 1 || !Array.isArray(snapshot.records) || !Array.isArray(snapshot.extras) || !Array.isArray(snapshot.confirmations) || !Array.isArray(snapshot.departedUserIds)) {
    throw new EmulatorDataFileError(path, 'it is not an emulator snapshot (version 1 with records, extras, confirmations, departedUserIds)');
  }
  return snapshot as EmulatorSnapshot;
}

/**
 * Written whole to a temporary file and renamed over the old one, so a kill mid-write leaves the
 * previous state. Mode 0600: the appointments are as private as the onOffice data they imitate.
 */
export function writeEmulatorDataFile(path: string, snapshot: EmulatorSnapshot): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(snapshot)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}
