-- Receipts of mécénat de compétences (Cerfa n° 16216): the company offers an
-- association the facts of a year's gift (donor, period, skills made
-- available, hours, value as the company states it); the association's
-- manager confirms them, or disputes a line, from their pages. The product
-- never issues the legal receipt itself: the association confirms.
--
-- An association reads and decides on the receipts offered to it by any
-- company (app.current_association_id(), as for participations), and the
-- lines under them: dates, people, missions and hours, never a cost.

CREATE TABLE mecenat_receipts (
    tenant_id      uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id             uuid        NOT NULL,
    association_id uuid        NOT NULL REFERENCES associations (id),
    year           int         NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    donor          text        NOT NULL,
    association    text        NOT NULL,
    legal_id       text        NOT NULL,
    period_from    date        NOT NULL,
    period_to      date        NOT NULL,
    centihours     bigint      NOT NULL CHECK (centihours > 0),
    value_cents    bigint      NOT NULL CHECK (value_cents > 0),
    people         int         NOT NULL,
    status         text        NOT NULL CHECK (status IN ('offered', 'confirmed', 'disputed')),
    offered_at     timestamptz NOT NULL DEFAULT now(),
    offered_by     text        NOT NULL DEFAULT '',
    decided_at     timestamptz,
    decided_by     text        NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT mecenat_receipts_one_a_year UNIQUE (tenant_id, association_id, year),
    CONSTRAINT mecenat_receipts_period CHECK (period_to >= period_from)
);
CREATE INDEX mecenat_receipts_association_idx ON mecenat_receipts (association_id, year);

CREATE TABLE mecenat_receipt_lines (
    tenant_id      uuid       NOT NULL,
    receipt_id     uuid       NOT NULL,
    hour_log_id    uuid       NOT NULL,
    association_id uuid       NOT NULL,
    worked_on      date       NOT NULL,
    member_name    text       NOT NULL,
    mission_title  text       NOT NULL,
    centihours     bigint     NOT NULL,
    PRIMARY KEY (tenant_id, receipt_id, hour_log_id),
    FOREIGN KEY (tenant_id, receipt_id) REFERENCES mecenat_receipts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX mecenat_receipt_lines_association_idx ON mecenat_receipt_lines (association_id);

-- A line an association disputes is no gift until the company resolves it
-- (the valuation leaves it out).
CREATE TABLE mecenat_disputes (
    tenant_id      uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    hour_log_id    uuid        NOT NULL,
    association_id uuid        NOT NULL REFERENCES associations (id),
    note           text        NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    at             timestamptz NOT NULL DEFAULT now(),
    by_name        text        NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, hour_log_id),
    FOREIGN KEY (tenant_id, hour_log_id) REFERENCES hour_logs (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX mecenat_disputes_association_idx ON mecenat_disputes (association_id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['mecenat_receipts', 'mecenat_receipt_lines', 'mecenat_disputes'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app.current_tenant_id()) WITH CHECK (tenant_id = app.current_tenant_id())', t);
    END LOOP;
END $$;
-- The association reads its receipts and lines, confirms or disputes.
CREATE POLICY association_view ON mecenat_receipts FOR SELECT USING (association_id = app.current_association_id());
CREATE POLICY association_decides ON mecenat_receipts FOR UPDATE USING (association_id = app.current_association_id())
    WITH CHECK (association_id = app.current_association_id());
CREATE POLICY association_view ON mecenat_receipt_lines FOR SELECT USING (association_id = app.current_association_id());
CREATE POLICY association_view ON mecenat_disputes FOR SELECT USING (association_id = app.current_association_id());
CREATE POLICY association_disputes ON mecenat_disputes FOR INSERT WITH CHECK (association_id = app.current_association_id()
    AND EXISTS (SELECT 1 FROM hour_logs h WHERE h.tenant_id = mecenat_disputes.tenant_id AND h.id = mecenat_disputes.hour_log_id));
CREATE POLICY association_redisputes ON mecenat_disputes FOR UPDATE USING (association_id = app.current_association_id())
    WITH CHECK (association_id = app.current_association_id());

GRANT SELECT, INSERT, UPDATE, DELETE ON mecenat_receipts, mecenat_receipt_lines, mecenat_disputes TO {{.AppRole}};
