ALTER TABLE participations DROP COLUMN answer_by;
