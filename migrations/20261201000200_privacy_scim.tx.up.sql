-- Personal data rights (GDPR arts. 15, 17, 20) and SCIM provisioning.

-- An API token has scopes: "api" reaches /api/v1 with the token's role,
-- "scim" reaches /scim/v2 (an identity provider's provisioning). Tokens
-- made before keep the API only.
ALTER TABLE api_tokens
    ADD COLUMN scopes text[] NOT NULL DEFAULT '{api}',
    ADD CONSTRAINT api_tokens_scopes CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY['api', 'scim']);

-- An erased person stays as an anonymous row (no email, no name, no
-- credential) so that the participations and hours that point at it keep
-- the company's and associations' figures whole.
ALTER TABLE members ADD COLUMN erased_at timestamptz;

-- What SCIM knows of a member besides the member itself: the identity
-- provider's id and name parts, and the deletion it asked for (a deleted
-- user is disabled in the product and answers 404 in SCIM, RFC 7644 3.6).
CREATE TABLE scim_users (
    tenant_id   uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    member_id   uuid        NOT NULL,
    external_id text        NOT NULL DEFAULT '' CHECK (length(external_id) <= 200),
    given_name  text        NOT NULL DEFAULT '' CHECK (length(given_name) <= 200),
    family_name text        NOT NULL DEFAULT '' CHECK (length(family_name) <= 200),
    deleted_at  timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, member_id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id) ON DELETE CASCADE
);

-- SCIM groups are the company's departments: a member's department is the
-- display name of the one group they belong to.
CREATE TABLE scim_groups (
    tenant_id    uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           uuid        NOT NULL,
    display_name text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    external_id  text        NOT NULL DEFAULT '' CHECK (length(external_id) <= 200),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT scim_groups_display_name_key UNIQUE (tenant_id, display_name)
);

-- A company's retention: personal data of campaigns ended more than
-- retention_months ago is purged by a background pass.
CREATE TABLE privacy_settings (
    tenant_id        uuid        NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    retention_months int         CHECK (retention_months BETWEEN 1 AND 240),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- The campaigns whose personal data the retention pass purged: a pass
-- retried after a crash does not act twice.
CREATE TABLE privacy_purged_campaigns (
    tenant_id   uuid        NOT NULL,
    campaign_id uuid        NOT NULL,
    purged_at   timestamptz NOT NULL DEFAULT now(),
    people      int         NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, campaign_id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['scim_users', 'scim_groups', 'privacy_settings', 'privacy_purged_campaigns'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app.current_tenant_id()) WITH CHECK (tenant_id = app.current_tenant_id())', t);
    END LOOP;
END $$;
GRANT SELECT, INSERT, UPDATE, DELETE ON scim_users, scim_groups, privacy_settings, privacy_purged_campaigns TO {{.AppRole}};
-- The retention pass unlinks old click-throughs from the person.
GRANT UPDATE (member_id) ON redirect_clicks TO {{.AppRole}};

-- The audit logs are append-only for the server: it may not rewrite an
-- event. Erasure alone redacts, through this function: the person's
-- address and name become "[erased]" in the events of the transaction's
-- company (row-level security binds it) and in the platform's, and the
-- events they did lose their network address. Nothing else can change.
CREATE FUNCTION app.redact_audit(p_member uuid, p_email text, p_name text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    n integer := 0;
    k integer;
    j_email text := trim(both '"' from to_jsonb(p_email)::text);
    j_name  text := trim(both '"' from to_jsonb(p_name)::text);
BEGIN
    IF p_email IS NULL OR length(p_email) < 3 THEN
        RAISE EXCEPTION 'redact_audit needs the address';
    END IF;
    UPDATE audit_events e SET
        actor_label = replace(replace(e.actor_label, p_email, '[erased]'), p_name, '[erased]'),
        object      = replace(replace(e.object, p_email, '[erased]'), p_name, '[erased]'),
        detail      = replace(replace(e.detail::text, j_email, '[erased]'), j_name, '[erased]')::jsonb,
        ip          = CASE WHEN e.actor_id = p_member THEN '' ELSE e.ip END
    WHERE e.tenant_id = app.current_tenant_id()
      AND (e.actor_id = p_member OR strpos(e.actor_label || e.object || e.detail::text, p_email) > 0);
    GET DIAGNOSTICS k = ROW_COUNT;
    n := n + k;
    UPDATE platform_audit_events e SET
        actor_label = replace(e.actor_label, p_email, '[erased]'),
        object      = replace(e.object, p_email, '[erased]'),
        detail      = replace(e.detail::text, j_email, '[erased]')::jsonb
    WHERE strpos(e.actor_label || e.object || e.detail::text, p_email) > 0;
    GET DIAGNOSTICS k = ROW_COUNT;
    RETURN n + k;
END $$;
REVOKE ALL ON FUNCTION app.redact_audit(uuid, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.redact_audit(uuid, text, text) TO {{.AppRole}};
