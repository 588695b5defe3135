-- Campaign allocation: an HR admin runs the matching engine over a whole
-- campaign in the background; each run's progress is a row (every server
-- instance can show it), and its result is a set of proposals that
-- employees accept (a participation) or decline (never proposed again).

CREATE TABLE allocation_runs (
    tenant_id   uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          uuid        NOT NULL,
    campaign_id uuid        NOT NULL,
    status      text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    stage       text        NOT NULL DEFAULT '',
    done        int         NOT NULL DEFAULT 0,
    total       int         NOT NULL DEFAULT 0,
    employees   int         NOT NULL DEFAULT 0,
    missions    int         NOT NULL DEFAULT 0,
    pairs       int         NOT NULL DEFAULT 0,
    total_score bigint      NOT NULL DEFAULT 0,
    proposals   int         NOT NULL DEFAULT 0,
    error       text        NOT NULL DEFAULT '',
    started_by  uuid,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE
);
-- One run at a time per campaign.
CREATE UNIQUE INDEX allocation_runs_one_running_idx ON allocation_runs (tenant_id, campaign_id) WHERE status = 'running';

CREATE TABLE proposals (
    tenant_id   uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          uuid        NOT NULL,
    run_id      uuid        NOT NULL,
    campaign_id uuid        NOT NULL,
    member_id   uuid        NOT NULL,
    mission_id  uuid        NOT NULL REFERENCES missions (id),
    score       int         NOT NULL,
    explanation jsonb       NOT NULL DEFAULT '{}',
    status      text        NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'accepted', 'declined', 'superseded')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    decided_at  timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, run_id) REFERENCES allocation_runs (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX proposals_member_idx ON proposals (tenant_id, member_id, status);
CREATE INDEX proposals_campaign_idx ON proposals (tenant_id, campaign_id, status);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['allocation_runs', 'proposals'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app.current_tenant_id()) WITH CHECK (tenant_id = app.current_tenant_id())', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE ON allocation_runs, proposals TO {{.AppRole}};
