-- A company always keeps an active HR admin: nobody can demote, disable or
-- remove the last one, even two admins demoting each other at the same
-- moment (the lock per company serialises them; READ COMMITTED re-reads).
CREATE FUNCTION app.members_keep_an_hr_admin() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.role <> 'hr_admin' OR OLD.status <> 'active' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.role = 'hr_admin' AND NEW.status = 'active' THEN
        RETURN NULL;
    END IF;
    -- Offboarding deletes the company: its members go with it.
    IF NOT EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('members.hr_admin:' || OLD.tenant_id::text));
    IF NOT EXISTS (SELECT 1 FROM members WHERE tenant_id = OLD.tenant_id AND role = 'hr_admin'
                   AND status = 'active' AND id <> OLD.id) THEN
        RAISE EXCEPTION 'the company must keep an active HR admin'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'members_keep_an_hr_admin';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER members_keep_an_hr_admin
    AFTER UPDATE OF role, status OR DELETE ON members
    FOR EACH ROW EXECUTE FUNCTION app.members_keep_an_hr_admin();
