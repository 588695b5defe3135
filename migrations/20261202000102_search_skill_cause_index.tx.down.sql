DROP INDEX missions_skill_codes_cause_idx;
CREATE INDEX missions_skill_codes_idx ON missions USING gin (skill_codes) WHERE status = 'open';
