DROP TRIGGER participations_calendar_sequence ON participations;
DROP FUNCTION app.raise_calendar_sequence();
ALTER TABLE participations DROP COLUMN calendar_sequence;
