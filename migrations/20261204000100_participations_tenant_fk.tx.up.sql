-- A sign-up's own foreign key to its company was a second copy of one it
-- already has: (tenant_id, campaign_id) references campaigns (tenant_id,
-- id), and a campaign's company is a tenant (ON DELETE CASCADE both ways),
-- so the row's company exists and a company's deletion still reaches its
-- sign-ups through its campaigns. The copy cost every sign-up a check of
-- its own: a query and a KEY SHARE lock on the company's row, which all of
-- a company's concurrent sign-ups took in turn (a WAL record each, and a
-- multixact once two of them overlapped) (issue 14, docs/performance.md).
ALTER TABLE participations DROP CONSTRAINT participations_tenant_id_fkey;
