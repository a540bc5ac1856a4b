-- A calendar's CalendarServer getctag as the last complete read of its changes left it (see
-- src/domain/trust-ctag.ts): the value, when this value was first read (ms) and when it was last read
-- just before a complete read of the changes (ms). An idle run skips the sync REPORT only on an equal,
-- settled getctag.
ALTER TABLE caldav_calendars ADD COLUMN ctag TEXT;
ALTER TABLE caldav_calendars ADD COLUMN ctag_seen_at INTEGER;
ALTER TABLE caldav_calendars ADD COLUMN ctag_read_at INTEGER;
