-- At most one row per lock name. A row whose pid is dead on this host, or whose heartbeat is older
-- than the holder's threshold, is taken over: a crashed run never blocks the next one for good.
CREATE TABLE run_lock (
  name         TEXT PRIMARY KEY,
  owner        TEXT    NOT NULL,
  pid          INTEGER NOT NULL,
  hostname     TEXT    NOT NULL,
  acquired_at  TEXT    NOT NULL,
  heartbeat_at TEXT    NOT NULL
);
