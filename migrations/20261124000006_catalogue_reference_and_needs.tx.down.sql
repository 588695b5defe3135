DROP TABLE mission_events, mission_slots, mission_skills;
ALTER TABLE missions DROP COLUMN search, DROP COLUMN geo;
DROP FUNCTION app.distance_km(double precision, double precision, double precision, double precision);
ALTER TABLE missions DROP CONSTRAINT missions_external_key, DROP CONSTRAINT missions_on_site_place, DROP CONSTRAINT missions_dates,
    DROP COLUMN cause, DROP COLUMN address, DROP COLUMN postal_code, DROP COLUMN lat, DROP COLUMN lon,
    DROP COLUMN commitment_kind, DROP COLUMN commitment_hours, DROP COLUMN duration_weeks, DROP COLUMN date_kind,
    DROP COLUMN starts_on, DROP COLUMN ends_on, DROP COLUMN recurrence, DROP COLUMN visibility, DROP COLUMN visible_to,
    DROP COLUMN requires_sanitary_ack, DROP COLUMN flagged_reason, DROP COLUMN flagged_at, DROP COLUMN source,
    DROP COLUMN external_id, DROP COLUMN updated_at;
ALTER TABLE associations DROP COLUMN causes, DROP COLUMN address, DROP COLUMN postal_code, DROP COLUMN lat, DROP COLUMN lon,
    DROP COLUMN logo_url, DROP COLUMN rejection_reason, DROP COLUMN submitted_at, DROP COLUMN reviewed_at, DROP COLUMN reviewed_by;
DROP TABLE causes, skills, skill_families;
DROP TEXT SEARCH CONFIGURATION app.french_unaccent;
DROP EXTENSION unaccent;
