-- PostgreSQL 15 cannot give an existing column a generation expression:
-- the columns are added again (one rewrite of the table) with their
-- indexes.
DROP TRIGGER missions_derived ON missions;
DROP FUNCTION app.mission_derived();
ALTER TABLE missions DROP COLUMN search, DROP COLUMN search_title, DROP COLUMN geo;
ALTER TABLE missions
    ADD COLUMN search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('app.french_unaccent', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('app.french_unaccent', coalesce(description, '')), 'B') ||
        setweight(to_tsvector('app.french_unaccent', coalesce(city, '') || ' ' || coalesce(organizer, '')), 'C')
    ) STORED,
    ADD COLUMN search_title tsvector
        GENERATED ALWAYS AS (to_tsvector('app.french_unaccent', coalesce(title, ''))) STORED,
    ADD COLUMN geo point GENERATED ALWAYS AS (point(lon, lat)) STORED;
CREATE INDEX missions_search_idx ON missions USING gin (search);
CREATE INDEX missions_vital_search_idx ON missions USING gin (search) WHERE status = 'open' AND vital_category IS NOT NULL;
CREATE INDEX missions_search_title_idx ON missions USING gin (search_title);
CREATE INDEX missions_geo_idx ON missions USING gist (geo) WHERE status = 'open';
