ALTER TABLE mission_events DROP COLUMN claimed_until;
