-- Billing (issue 16): each company's subscription as Stripe's webhooks
-- reported it, its invoices, and every webhook event received.
--
-- Accounts and invoices are the company's: row-level security binds them to
-- the tenant of the transaction like every tenant-owned table. Two ways in
-- name something else, each as narrowly as the tenant key does:
--   * a webhook names a Stripe customer, not a company: a transaction that
--     sets app.billing_customer sees the one account of that customer (and
--     learns its company), nothing else;
--   * staff's figures walk the companies one by one, naming each as the
--     transaction's tenant (app.billing_accounts_all, as app.company_figures).
-- The events table is Stripe's, received on the bare domain before any
-- company is known: it is the platform's, with no company column.

CREATE TABLE billing_accounts (
    tenant_id            uuid        PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    customer_id          text        UNIQUE,
    subscription_id      text        UNIQUE,
    subscription_item_id text        NOT NULL DEFAULT '',
    plan                 text        NOT NULL DEFAULT '',
    billing_interval     text        NOT NULL DEFAULT '' CHECK (billing_interval IN ('', 'month', 'year')),
    status               text        NOT NULL DEFAULT 'trialing'
        CHECK (status IN ('trialing', 'active', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'paused')),
    trial_ends_at        timestamptz NOT NULL,
    current_period_end   timestamptz,
    -- The subscription's quantity as Stripe last reported it, and the
    -- amount it bills per interval (unit amount × quantity, in cents).
    quantity             int         NOT NULL DEFAULT 0,
    amount_cents         bigint      NOT NULL DEFAULT 0,
    currency             text        NOT NULL DEFAULT 'eur',
    -- The quantity this product last asked Stripe for (seat sync).
    seats_synced         int         NOT NULL DEFAULT 0,
    past_due_since       timestamptz,
    canceled_at          timestamptz,
    -- The company was suspended by billing (not by staff): a paid invoice
    -- resumes it.
    suspended_by_billing boolean     NOT NULL DEFAULT false,
    -- Order independence: the `created` of the newest event applied to the
    -- subscription's state, and to the payment state. An older event never
    -- overwrites what a newer one said.
    subscription_at      timestamptz NOT NULL DEFAULT 'epoch',
    payment_at           timestamptz NOT NULL DEFAULT 'epoch',
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX billing_accounts_status_idx ON billing_accounts (status);

CREATE TABLE billing_invoices (
    id           text        PRIMARY KEY,
    tenant_id    uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    number       text        NOT NULL DEFAULT '',
    status       text        NOT NULL,
    amount_cents bigint      NOT NULL,
    currency     text        NOT NULL,
    created      timestamptz NOT NULL,
    pdf_url      text        NOT NULL DEFAULT '',
    hosted_url   text        NOT NULL DEFAULT '',
    -- created of the event that last wrote the row (order independence).
    event_at     timestamptz NOT NULL
);
CREATE INDEX billing_invoices_tenant_idx ON billing_invoices (tenant_id, created DESC);

-- Every webhook event received, by Stripe's id: a replay finds its row and
-- changes nothing. The payload is kept as received (verified), and worked
-- in the background.
CREATE TABLE billing_events (
    id           text        PRIMARY KEY,
    type         text        NOT NULL,
    created      timestamptz NOT NULL,
    payload      jsonb       NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    -- What the job did: applied, stale, ignored, no company for …
    outcome      text        NOT NULL DEFAULT ''
);
CREATE INDEX billing_events_pending_idx ON billing_events (received_at) WHERE processed_at IS NULL;

ALTER TABLE billing_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing_accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY billing_accounts_tenant ON billing_accounts
    USING (tenant_id = app.current_tenant_id()) WITH CHECK (tenant_id = app.current_tenant_id());
CREATE POLICY billing_accounts_customer ON billing_accounts FOR SELECT
    USING (customer_id = NULLIF(current_setting('app.billing_customer', true), ''));

ALTER TABLE billing_invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing_invoices FORCE ROW LEVEL SECURITY;
CREATE POLICY billing_invoices_tenant ON billing_invoices
    USING (tenant_id = app.current_tenant_id()) WITH CHECK (tenant_id = app.current_tenant_id());

-- Every company's account, for staff's figures and the hourly seat pass:
-- the companies walked one by one under their own tenant key.
CREATE FUNCTION app.billing_accounts_all() RETURNS SETOF billing_accounts
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
    t uuid;
BEGIN
    FOR t IN SELECT id FROM tenants ORDER BY id LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        RETURN QUERY SELECT * FROM billing_accounts;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END $$;

GRANT SELECT, INSERT, UPDATE ON billing_accounts, billing_invoices, billing_events TO {{.AppRole}};
GRANT EXECUTE ON FUNCTION app.billing_accounts_all() TO {{.AppRole}};
