import Database from 'better-sqlite3';
import { readSchemaVersion } from './apply-migrations.js';

export interface StateHealth {
  /** SQLite's quick_check answer: 'ok' or what is damaged. */
  readonly integrity: string;
  readonly version: number;
}

/** Opens an existing state database read-only and reports its integrity and schema version; changes nothing. */
export function readStateHealth(path: string): StateHealth {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const check = db.pragma('quick_check', { simple: true });
    return { integrity: String(check), version: check === 'ok' ? readSchemaVersion(db) : 0 };
  } finally {
    db.close();
  }
}
