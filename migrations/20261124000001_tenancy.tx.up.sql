-- Tenancy: the platform's directory of companies, and the one function every
-- row-level security policy uses to know the current company.

CREATE SCHEMA IF NOT EXISTS app;
GRANT USAGE ON SCHEMA app TO {{.AppRole}};

-- The tenant of the current transaction, set by the application with
-- set_config('app.tenant_id', id, true). NULL when unset or reset (a reset
-- custom setting reads as '' in a session that once set it), so that every
-- policy comparing against it matches no row: fail closed.
CREATE FUNCTION app.current_tenant_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE TABLE tenants (
    id             uuid        PRIMARY KEY,
    slug           text        NOT NULL,
    name           text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    status         text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    email_domains  text[]      NOT NULL DEFAULT '{}',
    custom_domains text[]      NOT NULL DEFAULT '{}',
    locale         text        NOT NULL DEFAULT 'fr' CHECK (locale IN ('fr', 'en')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenants_slug_key UNIQUE (slug),
    CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z][a-z0-9-]{1,61}[a-z0-9]$')
);
CREATE INDEX tenants_custom_domains_idx ON tenants USING gin (custom_domains);
CREATE INDEX tenants_email_domains_idx ON tenants USING gin (email_domains);

-- A domain belongs to one company at most: a custom host routes requests and
-- an email domain lets employees join on their own. Arrays cannot carry a
-- unique index, so a trigger checks under a transaction lock that serialises
-- concurrent writers (READ COMMITTED re-reads after the lock is granted).
CREATE FUNCTION app.tenants_domains_unique() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    clash text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('tenants.domains'));
    SELECT d INTO clash
      FROM tenants t, unnest(t.custom_domains) d
     WHERE t.id <> NEW.id AND d = ANY (NEW.custom_domains)
     LIMIT 1;
    IF clash IS NOT NULL THEN
        RAISE EXCEPTION 'custom domain % already belongs to another company', clash
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'tenants_custom_domains_unique';
    END IF;
    SELECT d INTO clash
      FROM tenants t, unnest(t.email_domains) d
     WHERE t.id <> NEW.id AND d = ANY (NEW.email_domains)
     LIMIT 1;
    IF clash IS NOT NULL THEN
        RAISE EXCEPTION 'email domain % already belongs to another company', clash
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'tenants_email_domains_unique';
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END $$;

CREATE TRIGGER tenants_domains_unique
    BEFORE INSERT OR UPDATE OF custom_domains, email_domains ON tenants
    FOR EACH ROW EXECUTE FUNCTION app.tenants_domains_unique();

-- The directory is read before any tenant is known (host resolution), so it
-- has no row-level policy; the server may onboard, suspend and resume.
GRANT SELECT, INSERT, UPDATE ON tenants TO {{.AppRole}};

-- readyz compares the applied migrations with the embedded ones.
GRANT SELECT ON bun_migrations TO {{.AppRole}};
