-- A participation's calendar event (its .ics) keeps one UID for life and a
-- SEQUENCE that calendars compare to know which version is newer: raised
-- here, whichever code path changes the status or the slot, so that none
-- can forget it.
ALTER TABLE participations ADD COLUMN calendar_sequence int NOT NULL DEFAULT 0;

CREATE FUNCTION app.raise_calendar_sequence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.calendar_sequence := OLD.calendar_sequence + 1;
    RETURN NEW;
END $$;

CREATE TRIGGER participations_calendar_sequence BEFORE UPDATE OF status, slot_id ON participations
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.slot_id IS DISTINCT FROM NEW.slot_id)
    EXECUTE FUNCTION app.raise_calendar_sequence();
