DROP INDEX missions_open_newest_idx;
CREATE INDEX missions_open_newest_idx ON missions (created_at DESC, id DESC) WHERE status = 'open';
