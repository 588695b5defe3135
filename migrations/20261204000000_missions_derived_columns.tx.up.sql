-- search, search_title and geo were STORED GENERATED columns. PostgreSQL
-- 15 skips recomputing a generated column whose inputs an UPDATE leaves
-- alone only when the table has no BEFORE UPDATE row trigger, whatever
-- that trigger's column list; missions has two (missions_listable,
-- missions_skill_codes), so every UPDATE of a mission computed the French
-- tsvectors of its title, description, city and organiser again: a
-- sign-up's move of places_left under the mission's lock, the rewrite of
-- skill_codes after each statement on mission_skills (every mission of a
-- bulk load, twice per imported mission), the rewrite of listable when an
-- association's status changes (docs/performance.md).
--
-- The columns keep their values and indexes (DROP EXPRESSION rewrites
-- nothing) and become plain columns that this trigger fills with the same
-- expressions, only for a statement that writes one of their inputs or
-- one of them (UPDATE OF): a direct write of a derived column is computed
-- over, as the generated column refused it. When an UPDATE sets the
-- inputs to what they were (the mission editor and the import write every
-- column), the words are not computed again; `UPDATE missions SET search =
-- NULL` recomputes them (after a change of the text search configuration).
ALTER TABLE missions
    ALTER COLUMN search DROP EXPRESSION,
    ALTER COLUMN search_title DROP EXPRESSION,
    ALTER COLUMN geo DROP EXPRESSION;

CREATE FUNCTION app.mission_derived() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    words boolean := true;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        words := (NEW.title, NEW.description, NEW.city, NEW.organizer, NEW.search, NEW.search_title)
            IS DISTINCT FROM (OLD.title, OLD.description, OLD.city, OLD.organizer, OLD.search, OLD.search_title);
    END IF;
    IF words THEN
        NEW.search_title := to_tsvector('app.french_unaccent', coalesce(NEW.title, ''));
        -- The title's part of search is search_title weighted A.
        NEW.search := setweight(NEW.search_title, 'A') ||
            setweight(to_tsvector('app.french_unaccent', coalesce(NEW.description, '')), 'B') ||
            setweight(to_tsvector('app.french_unaccent', coalesce(NEW.city, '') || ' ' || coalesce(NEW.organizer, '')), 'C');
    END IF;
    -- x = longitude, y = latitude: what a bounding-box search cuts on.
    NEW.geo := point(NEW.lon, NEW.lat);
    RETURN NEW;
END $$;

CREATE TRIGGER missions_derived
    BEFORE INSERT OR UPDATE OF title, description, city, organizer, lat, lon, search, search_title, geo ON missions
    FOR EACH ROW EXECUTE FUNCTION app.mission_derived();
