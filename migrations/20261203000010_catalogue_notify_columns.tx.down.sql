DROP TRIGGER missions_changed_notify_cache ON missions;
CREATE TRIGGER missions_changed_notify_cache AFTER UPDATE ON missions
    FOR EACH ROW WHEN ((to_jsonb(OLD) - 'places_left' - 'updated_at') IS DISTINCT FROM (to_jsonb(NEW) - 'places_left' - 'updated_at'))
    EXECUTE FUNCTION app.notify_catalogue_changed();
