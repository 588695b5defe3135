-- The managers' mails about a mission (almost full, full, flagged) are sent
-- after the change that records them, by whichever request or job looks
-- first. Two looking at once both mailed every pending event: an event is
-- now claimed for a minute by the one that takes it (SKIP LOCKED), marked
-- notified once mailed, and taken again only if its claim ran out unmailed.
ALTER TABLE mission_events ADD COLUMN claimed_until timestamptz;
