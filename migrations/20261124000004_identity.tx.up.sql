-- Identity: credentials, sessions, one-time links, API tokens, sign-in rate
-- limits and the audit log.
--
-- Company people sign in on their company's host and their accounts are the
-- company's (members, tenant-owned): row-level security then makes a session
-- or a token of company A plain unknown on company B's host, and offboarding
-- a company deletes its people's credentials with it. Platform staff and
-- association managers work on the base domain with platform accounts.

ALTER TABLE members
    ADD COLUMN password_hash     text,
    ADD COLUMN email_verified_at timestamptz,
    ADD COLUMN last_sign_in_at   timestamptz,
    ADD COLUMN invited_by        uuid,
    ADD COLUMN invited_at        timestamptz;
ALTER TABLE members DROP CONSTRAINT members_status_check;
ALTER TABLE members ADD CONSTRAINT members_status_check
    CHECK (status IN ('invited', 'pending_verification', 'active', 'disabled'));

CREATE TABLE accounts (
    id                uuid        PRIMARY KEY,
    email             text        NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    full_name         text        NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    password_hash     text,
    email_verified_at timestamptz,
    last_sign_in_at   timestamptz,
    is_staff          boolean     NOT NULL DEFAULT false,
    status            text        NOT NULL DEFAULT 'active' CHECK (status IN ('invited', 'pending_verification', 'active', 'disabled')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accounts_email_key UNIQUE (email)
);

CREATE TABLE association_managers (
    association_id uuid        NOT NULL REFERENCES associations (id) ON DELETE CASCADE,
    account_id     uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (association_id, account_id)
);
CREATE INDEX association_managers_account_idx ON association_managers (account_id);

-- Sessions: the cookie carries a random token; only its SHA-256 is stored.
CREATE TABLE member_sessions (
    tenant_id    uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    token_hash   bytea       NOT NULL,
    member_id    uuid        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ip           text        NOT NULL DEFAULT '',
    user_agent   text        NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX member_sessions_member_idx ON member_sessions (tenant_id, member_id);

CREATE TABLE account_sessions (
    token_hash   bytea       PRIMARY KEY,
    account_id   uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ip           text        NOT NULL DEFAULT '',
    user_agent   text        NOT NULL DEFAULT ''
);
CREATE INDEX account_sessions_account_idx ON account_sessions (account_id);

-- One-time links (sign-in, password reset, invitation, email verification):
-- stored hashed, used once, expiring.
CREATE TABLE member_tokens (
    tenant_id  uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    token_hash bytea       NOT NULL,
    member_id  uuid        NOT NULL,
    purpose    text        NOT NULL CHECK (purpose IN ('sign_in', 'reset', 'invite', 'verify')),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX member_tokens_member_idx ON member_tokens (tenant_id, member_id, purpose);

CREATE TABLE account_tokens (
    token_hash     bytea       PRIMARY KEY,
    account_id     uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose        text        NOT NULL CHECK (purpose IN ('sign_in', 'reset', 'invite', 'verify')),
    -- For a co-manager invitation: the association joined on acceptance.
    association_id uuid        REFERENCES associations (id) ON DELETE CASCADE,
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_tokens_account_idx ON account_tokens (account_id, purpose);

CREATE TABLE api_tokens (
    tenant_id    uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           uuid        NOT NULL,
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    role         text        NOT NULL CHECK (role IN ('hr_admin', 'employee')),
    token_hash   bytea       NOT NULL,
    prefix       text        NOT NULL,
    created_by   uuid        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT api_tokens_hash_key UNIQUE (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, created_by) REFERENCES members (tenant_id, id) ON DELETE CASCADE
);

-- Fixed-window counters shared by every server instance.
CREATE TABLE rate_limits (
    key          text        NOT NULL,
    window_start timestamptz NOT NULL,
    hits         int         NOT NULL,
    PRIMARY KEY (key, window_start)
);

CREATE TABLE audit_events (
    tenant_id   uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          uuid        NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_kind  text        NOT NULL CHECK (actor_kind IN ('member', 'account', 'api_token', 'system', 'anonymous')),
    actor_id    uuid,
    actor_label text        NOT NULL DEFAULT '',
    action      text        NOT NULL,
    object      text        NOT NULL DEFAULT '',
    detail      jsonb       NOT NULL DEFAULT '{}',
    ip          text        NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_events_at_idx ON audit_events (tenant_id, at DESC, id DESC);

-- Platform-side events (staff and association sign-ins, onboarding).
CREATE TABLE platform_audit_events (
    id          uuid        PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_kind  text        NOT NULL,
    actor_id    uuid,
    actor_label text        NOT NULL DEFAULT '',
    action      text        NOT NULL,
    object      text        NOT NULL DEFAULT '',
    detail      jsonb       NOT NULL DEFAULT '{}',
    ip          text        NOT NULL DEFAULT ''
);
CREATE INDEX platform_audit_events_at_idx ON platform_audit_events (at DESC, id DESC);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['member_sessions', 'member_tokens', 'api_tokens', 'audit_events'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app.current_tenant_id()) WITH CHECK (tenant_id = app.current_tenant_id())', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON accounts, association_managers, member_sessions, account_sessions,
    member_tokens, account_tokens, api_tokens, rate_limits TO {{.AppRole}};
-- The audit log is append-only for the server.
GRANT SELECT, INSERT ON audit_events, platform_audit_events TO {{.AppRole}};
-- Offboarding deletes a company's rows, its audit log with them.
GRANT DELETE ON audit_events, tenants TO {{.AppRole}};
