-- Campaign launches and template curation.
--
-- A launch invites every active member of a campaign's audience once: the
-- invitation is recorded in the transaction that activates the campaign
-- and mailed after commit (mailed_at), so that a relaunch mails only the
-- members who joined the audience since, and those whose mail failed.
-- attempted_at keeps two launches at once from mailing the same person.
CREATE TABLE campaign_invitations (
    tenant_id    uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    campaign_id  uuid        NOT NULL,
    member_id    uuid        NOT NULL,
    invited_at   timestamptz NOT NULL DEFAULT now(),
    attempted_at timestamptz NOT NULL DEFAULT now(),
    mailed_at    timestamptz,
    PRIMARY KEY (tenant_id, campaign_id, member_id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX campaign_invitations_unmailed_idx ON campaign_invitations (tenant_id, campaign_id) WHERE mailed_at IS NULL;

ALTER TABLE campaign_invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaign_invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON campaign_invitations
    USING (tenant_id = app.current_tenant_id())
    WITH CHECK (tenant_id = app.current_tenant_id());

-- The hours of an employee, for the allowance and the balance.
CREATE INDEX hour_logs_member_idx ON hour_logs (tenant_id, member_id, worked_on);

GRANT SELECT, INSERT, UPDATE, DELETE ON campaign_invitations TO {{.AppRole}};
-- Staff delete the templates they created (never one a campaign was made from).
GRANT DELETE ON campaign_templates TO {{.AppRole}};
