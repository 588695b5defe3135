-- A campaign's matching index (internal/campaign/matchcache.go) is built
-- from its missions, their skills and associations, and the campaign's
-- own settings; every server keeps it until one of them changes, which
-- these triggers announce once per statement, at commit.
--
-- Not for a sign-up's or a cancellation's move of places left (the index
-- lives ten seconds at most for those): a transaction that notifies takes
-- a lock of the whole database at commit, which would queue every
-- sign-up of every mission behind one another. A mission becoming full,
-- or open again, changes its status and is announced.
CREATE FUNCTION app.notify_catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vendredi_cache', 'catalogue');
    RETURN NULL;
END $$;

CREATE TRIGGER missions_notify_cache AFTER INSERT OR DELETE ON missions
    FOR EACH STATEMENT EXECUTE FUNCTION app.notify_catalogue_changed();
CREATE TRIGGER missions_changed_notify_cache AFTER UPDATE ON missions
    FOR EACH ROW WHEN ((to_jsonb(OLD) - 'places_left' - 'updated_at') IS DISTINCT FROM (to_jsonb(NEW) - 'places_left' - 'updated_at'))
    EXECUTE FUNCTION app.notify_catalogue_changed();
CREATE TRIGGER mission_skills_notify_cache AFTER INSERT OR UPDATE OR DELETE ON mission_skills
    FOR EACH STATEMENT EXECUTE FUNCTION app.notify_catalogue_changed();
CREATE TRIGGER associations_notify_cache AFTER INSERT OR UPDATE OR DELETE ON associations
    FOR EACH STATEMENT EXECUTE FUNCTION app.notify_catalogue_changed();
CREATE TRIGGER campaigns_notify_cache AFTER INSERT OR UPDATE OR DELETE ON campaigns
    FOR EACH STATEMENT EXECUTE FUNCTION app.notify_catalogue_changed();
