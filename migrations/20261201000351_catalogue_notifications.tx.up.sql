-- A campaign's matching index (internal/campaign/matchcache.go) is built
-- from its missions, their skills and associations, and the campaign's
-- own settings; every server keeps it until one of them changes, which
-- these triggers announce once per statement, at commit.
CREATE FUNCTION app.notify_catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vendredi_cache', 'catalogue');
    RETURN NULL;
END $$;

CREATE TRIGGER missions_notify_cache AFTER INSERT OR UPDATE OR DELETE ON missions
    FOR EACH STATEMENT EXECUTE FUNCTION app.notify_catalogue_changed();
CREATE TRIGGER mission_skills_notify_cache AFTER INSERT OR UPDATE OR DELETE ON mission_skills
    FOR EACH STATEMENT EXECUTE FUNCTION app.notify_catalogue_changed();
CREATE TRIGGER associations_notify_cache AFTER INSERT OR UPDATE OR DELETE ON associations
    FOR EACH STATEMENT EXECUTE FUNCTION app.notify_catalogue_changed();
CREATE TRIGGER campaigns_notify_cache AFTER INSERT OR UPDATE OR DELETE ON campaigns
    FOR EACH STATEMENT EXECUTE FUNCTION app.notify_catalogue_changed();
