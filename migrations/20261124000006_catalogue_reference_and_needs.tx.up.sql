-- The catalogue in full: reference data (skills, families, causes), the
-- association's profile and review, and missions (needs) with skills, place,
-- commitment, dates, visibility and French full-text search.

CREATE EXTENSION IF NOT EXISTS unaccent;

-- Great-circle distance in kilometres (haversine). Searches first cut a
-- bounding box on the GiST index of missions.geo, then keep what this says
-- is within the radius: core PostgreSQL, no superuser-only extension.
CREATE FUNCTION app.distance_km(lat1 double precision, lon1 double precision, lat2 double precision, lon2 double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT 2 * 6371.0088 * asin(sqrt(
        power(sin(radians(lat2 - lat1) / 2), 2) +
        cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2)))
$$;
GRANT EXECUTE ON FUNCTION app.distance_km(double precision, double precision, double precision, double precision) TO {{.AppRole}};

-- French search that folds accents: "benevolat" finds "bénévolat".
CREATE TEXT SEARCH CONFIGURATION app.french_unaccent (COPY = pg_catalog.french);
ALTER TEXT SEARCH CONFIGURATION app.french_unaccent
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;

CREATE TABLE skill_families (
    code     text PRIMARY KEY,
    label_fr text NOT NULL,
    label_en text NOT NULL
);

CREATE TABLE skills (
    code     text PRIMARY KEY CHECK (code ~ '^[a-z0-9.-]+$'),
    family   text NOT NULL REFERENCES skill_families (code),
    label_fr text NOT NULL,
    label_en text NOT NULL,
    rome     text NOT NULL DEFAULT '',
    esco     text NOT NULL DEFAULT ''
);
CREATE INDEX skills_family_idx ON skills (family);

CREATE TABLE causes (
    code     text PRIMARY KEY CHECK (code ~ '^[a-z0-9_-]+$'),
    label_fr text NOT NULL,
    label_en text NOT NULL
);

ALTER TABLE associations
    ADD COLUMN causes           text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN address          text        NOT NULL DEFAULT '',
    ADD COLUMN postal_code      text        NOT NULL DEFAULT '',
    ADD COLUMN lat              double precision CHECK (lat BETWEEN -90 AND 90),
    ADD COLUMN lon              double precision CHECK (lon BETWEEN -180 AND 180),
    ADD COLUMN logo_url         text        NOT NULL DEFAULT '',
    ADD COLUMN rejection_reason text        NOT NULL DEFAULT '',
    ADD COLUMN submitted_at     timestamptz,
    ADD COLUMN reviewed_at      timestamptz,
    ADD COLUMN reviewed_by      uuid REFERENCES accounts (id) ON DELETE SET NULL;
CREATE INDEX associations_review_idx ON associations (submitted_at) WHERE status = 'pending_review';

ALTER TABLE missions
    ADD COLUMN cause            text REFERENCES causes (code),
    ADD COLUMN address          text             NOT NULL DEFAULT '',
    ADD COLUMN postal_code      text             NOT NULL DEFAULT '',
    ADD COLUMN lat              double precision CHECK (lat BETWEEN -90 AND 90),
    ADD COLUMN lon              double precision CHECK (lon BETWEEN -180 AND 180),
    ADD COLUMN commitment_kind  text             NOT NULL DEFAULT 'total' CHECK (commitment_kind IN ('total', 'per_week')),
    ADD COLUMN commitment_hours numeric(6, 1)    NOT NULL DEFAULT 0 CHECK (commitment_hours >= 0),
    ADD COLUMN duration_weeks   int              CHECK (duration_weeks > 0),
    ADD COLUMN date_kind        text             NOT NULL DEFAULT 'ongoing' CHECK (date_kind IN ('one_off', 'recurring', 'ongoing')),
    ADD COLUMN starts_on        date,
    ADD COLUMN ends_on          date,
    ADD COLUMN recurrence       text             NOT NULL DEFAULT '',
    ADD COLUMN visibility       text             NOT NULL DEFAULT 'all' CHECK (visibility IN ('all', 'listed')),
    -- The companies that see a mission whose visibility is 'listed'.
    ADD COLUMN visible_to       uuid[]           NOT NULL DEFAULT '{}',
    ADD COLUMN requires_sanitary_ack boolean     NOT NULL DEFAULT false,
    ADD COLUMN flagged_reason   text             NOT NULL DEFAULT '',
    ADD COLUMN flagged_at       timestamptz,
    ADD COLUMN source           text             NOT NULL DEFAULT '',
    ADD COLUMN external_id      text,
    ADD COLUMN updated_at       timestamptz      NOT NULL DEFAULT now(),
    ADD CONSTRAINT missions_dates CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on),
    ADD CONSTRAINT missions_on_site_place CHECK (format = 'remote' OR association_id IS NULL OR (lat IS NOT NULL AND lon IS NOT NULL)),
    ADD CONSTRAINT missions_external_key UNIQUE (source, external_id);

ALTER TABLE missions ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('app.french_unaccent', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('app.french_unaccent', coalesce(description, '')), 'B') ||
    setweight(to_tsvector('app.french_unaccent', coalesce(city, '') || ' ' || coalesce(organizer, '')), 'C')
) STORED;

CREATE INDEX missions_search_idx ON missions USING gin (search);
-- x = longitude, y = latitude: what a bounding-box search cuts on.
ALTER TABLE missions ADD COLUMN geo point GENERATED ALWAYS AS (point(lon, lat)) STORED;
CREATE INDEX missions_geo_idx ON missions USING gist (geo) WHERE status = 'open';
CREATE INDEX missions_cause_idx ON missions (cause) WHERE status = 'open';
CREATE INDEX missions_starts_idx ON missions (starts_on, id) WHERE status = 'open';
CREATE INDEX missions_visible_to_idx ON missions USING gin (visible_to) WHERE visibility = 'listed';

CREATE TABLE mission_skills (
    mission_id uuid    NOT NULL REFERENCES missions (id) ON DELETE CASCADE,
    skill      text    NOT NULL REFERENCES skills (code),
    level      int     NOT NULL DEFAULT 2 CHECK (level BETWEEN 1 AND 4),
    required   boolean NOT NULL DEFAULT true,
    PRIMARY KEY (mission_id, skill)
);
CREATE INDEX mission_skills_skill_idx ON mission_skills (skill);

-- Dated time slots of a one-off mission.
CREATE TABLE mission_slots (
    mission_id uuid        NOT NULL REFERENCES missions (id) ON DELETE CASCADE,
    id         uuid        NOT NULL,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL CHECK (ends_at > starts_at),
    PRIMARY KEY (mission_id, id)
);

-- What happened to a mission that its managers must hear of (almost full,
-- full, flagged), kept so that mails can be sent after the transaction and
-- retried, and shown in the association's space.
CREATE TABLE mission_events (
    id         uuid        PRIMARY KEY,
    mission_id uuid        NOT NULL REFERENCES missions (id) ON DELETE CASCADE,
    kind       text        NOT NULL CHECK (kind IN ('almost_full', 'full', 'flagged', 'reopened')),
    detail     text        NOT NULL DEFAULT '',
    at         timestamptz NOT NULL DEFAULT now(),
    notified_at timestamptz
);
CREATE INDEX mission_events_pending_idx ON mission_events (at) WHERE notified_at IS NULL;

GRANT SELECT ON skill_families, skills, causes TO {{.AppRole}};
GRANT INSERT, UPDATE ON skill_families, skills, causes TO {{.AppRole}};
GRANT SELECT, INSERT, UPDATE, DELETE ON mission_skills, mission_slots TO {{.AppRole}};
GRANT SELECT, INSERT, UPDATE ON mission_events TO {{.AppRole}};
GRANT DELETE ON missions TO {{.AppRole}};
