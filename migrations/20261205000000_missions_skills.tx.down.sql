DROP TRIGGER missions_skill_codes ON missions;
CREATE TRIGGER missions_skill_codes BEFORE INSERT OR UPDATE OF skill_codes ON missions
    FOR EACH ROW EXECUTE FUNCTION app.mission_skill_codes();
CREATE OR REPLACE FUNCTION app.mission_skill_codes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.skill_codes := ARRAY(SELECT s.skill FROM mission_skills AS s WHERE s.mission_id = NEW.id ORDER BY s.skill);
    RETURN NEW;
END $$;
DROP TRIGGER missions_changed_notify_cache ON missions;
CREATE TRIGGER missions_changed_notify_cache AFTER UPDATE OF
        id, association_id, organizer, title, description, format, city, vital_category,
        external_url, places, status, created_at, cause, address, postal_code, lat, lon,
        commitment_kind, commitment_hours, duration_weeks, date_kind, starts_on, ends_on,
        recurrence, visibility, visible_to, requires_sanitary_ack, flagged_reason, flagged_at,
        source, external_id, listable, skill_codes
    ON missions FOR EACH ROW WHEN ((
        OLD.id, OLD.association_id, OLD.organizer, OLD.title, OLD.description, OLD.format,
        OLD.city, OLD.vital_category, OLD.external_url, OLD.places, OLD.status, OLD.created_at,
        OLD.cause, OLD.address, OLD.postal_code, OLD.lat, OLD.lon, OLD.commitment_kind,
        OLD.commitment_hours, OLD.duration_weeks, OLD.date_kind, OLD.starts_on, OLD.ends_on,
        OLD.recurrence, OLD.visibility, OLD.visible_to, OLD.requires_sanitary_ack,
        OLD.flagged_reason, OLD.flagged_at, OLD.source, OLD.external_id, OLD.listable,
        OLD.skill_codes
    ) IS DISTINCT FROM (
        NEW.id, NEW.association_id, NEW.organizer, NEW.title, NEW.description, NEW.format,
        NEW.city, NEW.vital_category, NEW.external_url, NEW.places, NEW.status, NEW.created_at,
        NEW.cause, NEW.address, NEW.postal_code, NEW.lat, NEW.lon, NEW.commitment_kind,
        NEW.commitment_hours, NEW.duration_weeks, NEW.date_kind, NEW.starts_on, NEW.ends_on,
        NEW.recurrence, NEW.visibility, NEW.visible_to, NEW.requires_sanitary_ack,
        NEW.flagged_reason, NEW.flagged_at, NEW.source, NEW.external_id, NEW.listable,
        NEW.skill_codes
    )) EXECUTE FUNCTION app.notify_catalogue_changed();
ALTER TABLE missions DROP COLUMN skills;
