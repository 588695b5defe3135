-- Issue 15, what people receive and where: private calendar feeds, the
-- kinds of mail each person turned off, the weekly digests sent, the key
-- that signs one-click unsubscribe links, and each company's chat webhook.

-- A member's private calendar feed: the address carries a random token,
-- stored hashed (SHA-256) as sessions are; rotating it replaces the row,
-- revoking deletes it, and the old address answers 404 at once.
CREATE TABLE calendar_feeds (
    tenant_id  uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    member_id  uuid        NOT NULL,
    token_hash bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, member_id),
    CONSTRAINT calendar_feeds_token_key UNIQUE (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id) ON DELETE CASCADE
);

-- The kinds of mail a person turned off: a row is "off". Members (the
-- companies' people) and accounts (associations' managers) live apart,
-- as everything of theirs does, so that each row has its owner's key and
-- goes with them.
CREATE TABLE member_mail_opt_outs (
    tenant_id  uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    member_id  uuid        NOT NULL,
    kind       text        NOT NULL CHECK (kind IN ('reminders', 'digest')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, member_id, kind),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id) ON DELETE CASCADE
);
CREATE TABLE account_mail_opt_outs (
    account_id uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind       text        NOT NULL CHECK (kind IN ('reminders', 'digest')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, kind)
);

-- The weekly digests sent, one row per person and week (the Monday),
-- written in the transaction that queues the mail: a job retried, or run
-- twice by two replicas, finds the row and sends nothing more.
CREATE TABLE member_digests (
    tenant_id uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    member_id uuid        NOT NULL,
    week      date        NOT NULL CHECK (extract(isodow FROM week) = 1),
    sent_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, member_id, week),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id) ON DELETE CASCADE
);
CREATE TABLE account_digests (
    account_id uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    week       date        NOT NULL CHECK (extract(isodow FROM week) = 1),
    sent_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, week)
);

-- Keys that sign links opened without a session (one-click unsubscribe):
-- kept in the database so that every replica signs and checks alike with
-- no setting to share. 256 bits from PostgreSQL's strong random source
-- (gen_random_uuid draws from it; two give 244 random bits).
CREATE TABLE signing_keys (
    name       text        PRIMARY KEY,
    key        bytea       NOT NULL CHECK (length(key) >= 32),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO signing_keys (name, key)
VALUES ('unsubscribe', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));

-- A company's Slack or Teams incoming webhook, and how its last post went
-- (shown to HR admins on the settings page).
CREATE TABLE chat_webhooks (
    tenant_id     uuid        PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    provider      text        NOT NULL CHECK (provider IN ('slack', 'teams')),
    url           text        NOT NULL CHECK (url ~ '^https?://'),
    updated_by    uuid,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    last_ok_at    timestamptz,
    last_error    text        NOT NULL DEFAULT '',
    last_error_at timestamptz
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['calendar_feeds', 'member_mail_opt_outs', 'member_digests', 'chat_webhooks'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app.current_tenant_id()) WITH CHECK (tenant_id = app.current_tenant_id())', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON calendar_feeds, member_mail_opt_outs, account_mail_opt_outs, chat_webhooks TO {{.AppRole}};
GRANT SELECT, INSERT ON member_digests, account_digests TO {{.AppRole}};
GRANT SELECT ON signing_keys TO {{.AppRole}};
