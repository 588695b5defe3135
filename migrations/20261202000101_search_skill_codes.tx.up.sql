-- The skills a mission asks for, on the mission itself, for the search's
-- skill filter (docs/search.md, internal/postgres/search.go).
--
-- "Missions asking for any of these skills" read the skill's rows of
-- mission_skills, then probed each of their missions by primary key to
-- test its cause and visibility: finance.accounting and solidarity read
-- 1 752 skill rows and 1 752 missions (8 700 buffers) to keep 58. With
-- the codes in a GIN-indexed array on the mission, the skill and the
-- cause are two bitmaps ANDed before any mission is read.
--
-- skill_codes is a copy of mission_skills (sorted codes), kept by
-- triggers as missions.listable is: the mission's own trigger computes it
-- whenever it is written (so no statement can set anything else), and
-- every statement on mission_skills rewrites the copy of the missions it
-- touched.
ALTER TABLE missions ADD COLUMN skill_codes text[] NOT NULL DEFAULT '{}';
UPDATE missions AS m SET skill_codes = s.codes
FROM (SELECT mission_id, array_agg(skill ORDER BY skill) AS codes FROM mission_skills GROUP BY mission_id) AS s
WHERE s.mission_id = m.id;
CREATE INDEX missions_skill_codes_idx ON missions USING gin (skill_codes) WHERE status = 'open';

CREATE FUNCTION app.mission_skill_codes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.skill_codes := ARRAY(SELECT s.skill FROM mission_skills AS s WHERE s.mission_id = NEW.id ORDER BY s.skill);
    RETURN NEW;
END $$;

CREATE TRIGGER missions_skill_codes BEFORE INSERT OR UPDATE OF skill_codes ON missions
    FOR EACH ROW EXECUTE FUNCTION app.mission_skill_codes();

-- Writing the copy makes the missions' trigger compute it; one UPDATE per
-- statement, for the missions the statement touched.
CREATE FUNCTION app.mission_skills_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE missions SET skill_codes = '{}' WHERE id IN (SELECT mission_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE missions SET skill_codes = '{}' WHERE id IN (SELECT mission_id FROM old_rows);
    ELSE
        UPDATE missions SET skill_codes = '{}'
        WHERE id IN (SELECT mission_id FROM new_rows UNION SELECT mission_id FROM old_rows);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER mission_skills_inserted AFTER INSERT ON mission_skills
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.mission_skills_changed();
CREATE TRIGGER mission_skills_updated AFTER UPDATE ON mission_skills
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.mission_skills_changed();
CREATE TRIGGER mission_skills_deleted AFTER DELETE ON mission_skills
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.mission_skills_changed();
