-- A campaign's response time (response_days) was stored and ignored: late
-- applications were flagged after a fixed week. Each application now
-- carries the day its association should have answered by, set when it
-- starts waiting for an answer (applied with a place left, or promoted
-- from the waiting list) from its campaign's response time. It lives on
-- the participation because the associations, who flag late ones under
-- their own view, cannot read companies' campaigns.
ALTER TABLE participations ADD COLUMN answer_by timestamptz;
UPDATE participations p SET answer_by = p.created_at + make_interval(days => c.response_days)
    FROM campaigns c WHERE c.tenant_id = p.tenant_id AND c.id = p.campaign_id AND p.status = 'pending';
CREATE INDEX participations_answer_by_idx ON participations (answer_by)
    WHERE status = 'pending' AND flagged_late_at IS NULL;
