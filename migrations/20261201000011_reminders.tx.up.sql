-- Reminders before a mission's date (48 h and 2 h) and the attendance
-- question to the association after it: one row per participation, kind
-- and start, written in the transaction that queues the mail, so that each
-- goes once, and a slot moved later gets reminders of its own.
CREATE TABLE participation_reminders (
    tenant_id        uuid        NOT NULL,
    participation_id uuid        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('48h', '2h', 'attendance')),
    starts_at        timestamptz NOT NULL,
    sent_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, participation_id, kind, starts_at),
    FOREIGN KEY (tenant_id, participation_id) REFERENCES participations (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE participation_reminders ENABLE ROW LEVEL SECURITY;
ALTER TABLE participation_reminders FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON participation_reminders
    USING (tenant_id = app.current_tenant_id()) WITH CHECK (tenant_id = app.current_tenant_id());
GRANT SELECT, INSERT ON participation_reminders TO {{.AppRole}};

-- The dates of a participation: its slot's, or its one-off mission's day,
-- taken as 9:00 to 18:00, Paris time (a one-off mission gives a day only).
-- None for an ongoing or recurring mission without a slot.
CREATE FUNCTION app.participation_dates(mission uuid, slot uuid, OUT starts_at timestamptz, OUT ends_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT coalesce(s.starts_at, (m.starts_on + time '09:00') AT TIME ZONE 'Europe/Paris'),
           coalesce(s.ends_at, (coalesce(m.ends_on, m.starts_on) + time '18:00') AT TIME ZONE 'Europe/Paris')
    FROM missions m LEFT JOIN mission_slots s ON s.mission_id = m.id AND s.id = slot
    WHERE m.id = mission AND (s.id IS NOT NULL OR (m.date_kind = 'one_off' AND m.starts_on IS NOT NULL))
$$;
GRANT EXECUTE ON FUNCTION app.participation_dates(uuid, uuid) TO {{.AppRole}};

-- When a reminder is due, the rule named once (campaign.ReminderDue says
-- the same in Go): the 48 h reminder goes between 48 h and 2 h before the
-- start, to volunteers validated before that window opened (the others
-- just had the validation mail); the 2 h one in the last two hours; the
-- attendance question from 24 h after the end, for a month. Row-level
-- security applies: the caller sees its company's only.
CREATE VIEW app.due_reminders WITH (security_invoker = true) AS
WITH dated AS (
    SELECT p.tenant_id, p.id AS participation_id, p.decided_at, d.starts_at, d.ends_at
    FROM participations p, app.participation_dates(p.mission_id, p.slot_id) d
    WHERE p.status = 'validated' AND d.starts_at IS NOT NULL
)
SELECT d.tenant_id, d.participation_id, k.kind, d.starts_at, d.ends_at
FROM dated d CROSS JOIN (VALUES ('48h'), ('2h'), ('attendance')) AS k (kind)
WHERE CASE k.kind
        WHEN '48h' THEN now() >= d.starts_at - interval '48 hours' AND now() < d.starts_at - interval '2 hours'
            AND coalesce(d.decided_at, '-infinity') < d.starts_at - interval '48 hours'
        WHEN '2h' THEN now() >= d.starts_at - interval '2 hours' AND now() < d.starts_at
        ELSE now() >= d.ends_at + interval '24 hours' AND now() < d.ends_at + interval '30 days'
      END
  AND NOT EXISTS (SELECT 1 FROM participation_reminders r WHERE r.tenant_id = d.tenant_id
      AND r.participation_id = d.participation_id AND r.kind = k.kind AND r.starts_at = d.starts_at);
GRANT SELECT ON app.due_reminders TO {{.AppRole}};

-- The companies with a reminder due, for the minute's pass: it walks the
-- companies under each one's row-level security, as the staff's figures
-- do, and returns ids only; each company's reminders are then sent by a
-- job of its own, under its security.
CREATE FUNCTION app.companies_with_due_reminders()
RETURNS SETOF uuid
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
    t uuid;
BEGIN
    FOR t IN SELECT id FROM tenants WHERE status = 'active' ORDER BY id LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        IF EXISTS (SELECT 1 FROM app.due_reminders) THEN
            RETURN NEXT t;
        END IF;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END $$;
GRANT EXECUTE ON FUNCTION app.companies_with_due_reminders() TO {{.AppRole}};
