-- Single sign-on, per company: one identity provider (OpenID Connect or
-- SAML 2.0) that the HR admins connect, test, then turn on, and "SSO only"
-- that turns passwords off for the company's people. Secrets (the OIDC
-- client secret, the SAML service provider's private key) are stored
-- sealed with AES-GCM under SSO_ENCRYPTION_KEY, bound to the company: a
-- row copied to another company does not open.
CREATE TABLE sso_connections (
    tenant_id          uuid        PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    protocol           text        NOT NULL CHECK (protocol IN ('oidc', 'saml')),
    display_name       text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 60),
    oidc_issuer        text        NOT NULL DEFAULT '',
    oidc_client_id     text        NOT NULL DEFAULT '',
    oidc_client_secret bytea,
    saml_idp_metadata  text        NOT NULL DEFAULT '',
    saml_sp_key        bytea,
    saml_sp_cert       bytea,
    jit                boolean     NOT NULL DEFAULT false,
    enabled            boolean     NOT NULL DEFAULT false,
    sso_only           boolean     NOT NULL DEFAULT false,
    tested_at          timestamptz,
    tested_email       text        NOT NULL DEFAULT '',
    test_error         text        NOT NULL DEFAULT '',
    updated_at         timestamptz NOT NULL DEFAULT now(),
    -- Never on before it was tested, never SSO-only unless on: a company
    -- cannot lock its people out with a connection nobody tried.
    CONSTRAINT sso_enabled_tested CHECK (NOT enabled OR tested_at IS NOT NULL),
    CONSTRAINT sso_only_enabled CHECK (NOT sso_only OR enabled)
);

-- A sign-in (or a test) under way: the OIDC state's hash or the SAML
-- request's id, with what the answer must match. Used once (deleted when
-- redeemed) and short-lived.
CREATE TABLE sso_flows (
    tenant_id  uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    flow_key   bytea       NOT NULL,
    protocol   text        NOT NULL CHECK (protocol IN ('oidc', 'saml')),
    purpose    text        NOT NULL CHECK (purpose IN ('sign_in', 'test')),
    nonce      text        NOT NULL DEFAULT '',
    verifier   text        NOT NULL DEFAULT '',
    actor_id   uuid,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, flow_key)
);
CREATE INDEX sso_flows_expiry ON sso_flows (expires_at);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['sso_connections', 'sso_flows'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app.current_tenant_id()) WITH CHECK (tenant_id = app.current_tenant_id())', t);
    END LOOP;
END $$;
GRANT SELECT, INSERT, UPDATE, DELETE ON sso_connections, sso_flows TO {{.AppRole}};
