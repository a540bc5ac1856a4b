-- `routing: per-user` with `autoRoutes: true`: the calendar each onOffice user got, per target, so a
-- user who no longer appears in `get users` (departed) keeps the same calendar, and one who comes back
-- gets it again. departed_at is NULL while the user is active.
CREATE TABLE user_routes (
  target       TEXT NOT NULL,
  user_id      INTEGER NOT NULL,
  username     TEXT NOT NULL,
  calendar     TEXT NOT NULL,
  display_name TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  departed_at  TEXT,
  PRIMARY KEY (target, user_id)
);
