-- When a calendar's stored state (token and getctag) was last confirmed by the server (ms since the
-- epoch): a PROPFIND answered with the trusted getctag, or a complete read of the changes went through.
-- Within the target's idleCheckSeconds of it, an idle one-way run asks the calendar nothing
-- (src/domain/may-skip-calendar-check.ts).
ALTER TABLE caldav_calendars ADD COLUMN checked_at INTEGER;
