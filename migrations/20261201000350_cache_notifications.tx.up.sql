-- Every server keeps the companies of its hosts and the sessions it has
-- verified in memory (internal/postgres/cache.go). These triggers tell all
-- of them, through NOTIFY on vendredi_cache at commit, what to drop, from
-- whichever code path (or psql) makes the change: a company changed, a
-- session ended (sign-out, expiry sweep, a deleted member's cascade), a
-- person's status, role, name or associations changed.
CREATE FUNCTION app.notify_tenants_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vendredi_cache', 'tenants');
    RETURN NULL;
END $$;

CREATE TRIGGER tenants_notify_cache AFTER INSERT OR UPDATE OR DELETE ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION app.notify_tenants_changed();

CREATE FUNCTION app.notify_session_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vendredi_cache', 'session:' || encode(OLD.token_hash, 'hex'));
    RETURN NULL;
END $$;

CREATE TRIGGER member_sessions_notify_cache AFTER DELETE ON member_sessions
    FOR EACH ROW EXECUTE FUNCTION app.notify_session_ended();
CREATE TRIGGER account_sessions_notify_cache AFTER DELETE ON account_sessions
    FOR EACH ROW EXECUTE FUNCTION app.notify_session_ended();

-- TG_ARGV[0] names the column that holds the person's id.
CREATE FUNCTION app.notify_person_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    PERFORM pg_notify('vendredi_cache', 'person:' || (to_jsonb(r) ->> TG_ARGV[0]));
    RETURN NULL;
END $$;

CREATE TRIGGER members_notify_cache AFTER UPDATE ON members
    FOR EACH ROW WHEN ((OLD.status, OLD.role, OLD.full_name, OLD.email, OLD.department, OLD.site)
        IS DISTINCT FROM (NEW.status, NEW.role, NEW.full_name, NEW.email, NEW.department, NEW.site))
    EXECUTE FUNCTION app.notify_person_changed('id');
CREATE TRIGGER members_deleted_notify_cache AFTER DELETE ON members
    FOR EACH ROW EXECUTE FUNCTION app.notify_person_changed('id');
CREATE TRIGGER accounts_notify_cache AFTER UPDATE ON accounts
    FOR EACH ROW WHEN ((OLD.status, OLD.is_staff, OLD.full_name, OLD.email)
        IS DISTINCT FROM (NEW.status, NEW.is_staff, NEW.full_name, NEW.email))
    EXECUTE FUNCTION app.notify_person_changed('id');
CREATE TRIGGER accounts_deleted_notify_cache AFTER DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION app.notify_person_changed('id');
CREATE TRIGGER association_managers_notify_cache AFTER INSERT OR DELETE ON association_managers
    FOR EACH ROW EXECUTE FUNCTION app.notify_person_changed('account_id');
