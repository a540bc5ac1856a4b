import type { Database } from 'better-sqlite3';

/** A calendar made for one onOffice user by `autoRoutes`, as remembered in user_routes (migration 061). */
export interface UserRoute {
  readonly userId: number;
  readonly username: string;
  readonly calendar: string;
  readonly displayName: string;
  /** ISO UTC since when `get users` no longer lists the user; null while active. */
  readonly departedAt: string | null;
}

export function createUserRouteRepository(db: Database) {
  const list = db.prepare<[string], { user_id: number; username: string; calendar: string; display_name: string; departed_at: string | null }>(
    'SELECT user_id, username, calendar, display_name, departed_at FROM user_routes WHERE target = ? ORDER BY user_id',
  );
  const upsert = db.prepare(
    `INSERT INTO user_routes (target, user_id, username, calendar, display_name, created_at, departed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (target, user_id) DO UPDATE SET departed_at = excluded.departed_at`,
  );
  return {
    list(target: string): UserRoute[] {
      return list.all(target).map((row) => ({ userId: row.user_id, username: row.username, calendar: row.calendar, displayName: row.display_name, departedAt: row.departed_at }));
    },
    /** A new route, or a known one's departure (or return); its calendar never changes. */
    save(target: string, route: UserRoute, createdAt: string): void {
      upsert.run(target, route.userId, route.username, route.calendar, route.displayName, createdAt, route.departedAt);
    },
    transaction(work: () => void): void {
      db.transaction(work)();
    },
  };
}
