DROP INDEX IF EXISTS missions_open_newest_idx;
