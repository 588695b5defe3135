-- A manager signing up with the legal id (RNA, SIRET) of an association that
-- already exists no longer becomes its manager: a legal id is public, and
-- the association may be verified, with applicants' names and addresses.
-- The sign-up files a claim instead, which staff approve or reject; until
-- then the claimer reaches nothing of the association.
CREATE TABLE association_claims (
    id             uuid        PRIMARY KEY,
    association_id uuid        NOT NULL REFERENCES associations (id) ON DELETE CASCADE,
    account_id     uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status         text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    reason         text        NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    decided_at     timestamptz,
    decided_by     uuid        REFERENCES accounts (id) ON DELETE SET NULL,
    CONSTRAINT association_claims_decided CHECK ((status = 'pending') = (decided_at IS NULL)),
    CONSTRAINT association_claims_reason CHECK (status <> 'rejected' OR reason <> '')
);
-- The queue, oldest first; one open claim per account and association.
CREATE INDEX association_claims_pending_idx ON association_claims (created_at) WHERE status = 'pending';
CREATE UNIQUE INDEX association_claims_one_open_idx ON association_claims (association_id, account_id) WHERE status = 'pending';
CREATE INDEX association_claims_account_idx ON association_claims (account_id);

GRANT SELECT, INSERT, UPDATE ON association_claims TO {{.AppRole}};
