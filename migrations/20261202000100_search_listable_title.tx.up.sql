-- Search without reading the associations, ranking without ts_rank_cd
-- (docs/search.md, internal/postgres/search.go).
--
-- listable is the association's half of the visibility rule
-- (missionVisibleSQL): the mission is curated by the platform (no
-- association) or its association is verified. The search used to probe
-- the association of every candidate, one primary-key lookup per match (2
-- 835 for a common text); the flag lives on the mission and these triggers
-- keep it equal to the association's status: the mission's own trigger
-- computes it whenever association_id or listable is written (so no
-- statement can set it to anything else), and a change of an association's
-- status rewrites its missions' flag.
ALTER TABLE missions ADD COLUMN listable boolean NOT NULL DEFAULT true;
UPDATE missions AS m SET listable = false
WHERE m.association_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM associations AS a WHERE a.id = m.association_id AND a.status = 'verified');

CREATE FUNCTION app.mission_listable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.listable := NEW.association_id IS NULL
        OR EXISTS (SELECT 1 FROM associations AS a WHERE a.id = NEW.association_id AND a.status = 'verified');
    RETURN NEW;
END $$;

CREATE TRIGGER missions_listable BEFORE INSERT OR UPDATE OF association_id, listable ON missions
    FOR EACH ROW EXECUTE FUNCTION app.mission_listable();

CREATE FUNCTION app.association_listable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The missions' trigger reads the association's new status and sets
    -- the flag; writing it here only makes that trigger run.
    UPDATE missions SET listable = NEW.status = 'verified'
    WHERE association_id = NEW.id AND listable IS DISTINCT FROM (NEW.status = 'verified');
    RETURN NULL;
END $$;

CREATE TRIGGER associations_listable AFTER UPDATE OF status ON associations
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION app.association_listable();

-- The title's own words, for the relevance order: a mission whose title
-- matches the text comes before one matched by its description, city or
-- organiser only. Kept apart from search so that the title's match is
-- decided by a small GIN index (the missions matching in their title
-- only) and, for a candidate, by a tsvector of a few dozen bytes.
ALTER TABLE missions ADD COLUMN search_title tsvector
    GENERATED ALWAYS AS (to_tsvector('app.french_unaccent', coalesce(title, ''))) STORED;
CREATE INDEX missions_search_title_idx ON missions USING gin (search_title);
