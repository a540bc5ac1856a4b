-- The no-change sync reads only what changed: the journal of one target by its calendar keys (a range
-- over "<target>:"), and the known objects of a target by appointment in id order (the full push pages
-- through them instead of loading the whole target).
CREATE INDEX caldav_outbox_by_calendar ON caldav_outbox (calendar_key);
CREATE INDEX caldav_objects_by_calendar_appointment ON caldav_objects (calendar_key, appointment_id);
