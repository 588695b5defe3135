-- Billing (issue 16): each company's subscription as Stripe's webhooks
-- reported it, its invoices, and every webhook event received.
--
-- These are the platform's ledger about its customers, like the tenants
-- directory, not the company's own data: webhooks arrive on the bare domain
-- without a company (the event names a Stripe customer, mapped here to the
-- company), and staff add every company's figures up. So they carry no
-- row-level policy; the store scopes every company-side read by the tenant
-- of the request (WHERE tenant_id = …), and nothing of it is personal data.

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
    tenant_id    uuid REFERENCES tenants (id) ON DELETE SET NULL,
    outcome      text        NOT NULL DEFAULT ''
);
CREATE INDEX billing_events_pending_idx ON billing_events (received_at) WHERE processed_at IS NULL;

GRANT SELECT, INSERT, UPDATE ON billing_accounts, billing_invoices, billing_events TO {{.AppRole}};
