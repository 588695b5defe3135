-- The staff's figures count every company's rows. Row-level security stays
-- the lock: these functions run as their caller (the app role) and walk the
-- companies one by one, naming each as the transaction's tenant, exactly
-- as the application did statement by statement, but inside the server,
-- without a round trip per company. They return counts only.
CREATE FUNCTION app.company_figures()
RETURNS TABLE (tenant_id uuid, people bigint, invited bigint, participations bigint, participations_30 bigint,
               hours numeric, hours_30 numeric)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
    t uuid;
BEGIN
    FOR t IN SELECT id FROM tenants ORDER BY id LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        RETURN QUERY SELECT t,
            (SELECT count(*) FROM members m WHERE m.status = 'active'),
            (SELECT count(*) FROM members m WHERE m.status IN ('invited', 'pending_verification')),
            (SELECT count(*) FROM participations),
            (SELECT count(*) FROM participations p WHERE p.created_at > now() - interval '30 days'),
            (SELECT coalesce(sum(h.hours), 0) FROM hour_logs h WHERE h.status <> 'rejected'),
            (SELECT coalesce(sum(h.hours), 0) FROM hour_logs h WHERE h.status <> 'rejected' AND h.worked_on > current_date - 30);
    END LOOP;
    -- Nothing after the walk may see the last company's rows.
    PERFORM set_config('app.tenant_id', '', true);
END $$;

-- Each company's clicks on the vital missions' redirect, by mission; the
-- caller adds them up.
CREATE FUNCTION app.company_redirects()
RETURNS TABLE (tenant_id uuid, mission_id uuid, n bigint, n_30 bigint)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
    t uuid;
BEGIN
    FOR t IN SELECT id FROM tenants ORDER BY id LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        RETURN QUERY SELECT t, r.mission_id, count(*), count(*) FILTER (WHERE r.at > now() - interval '30 days')
            FROM redirect_clicks r GROUP BY r.mission_id;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END $$;

GRANT EXECUTE ON FUNCTION app.company_figures(), app.company_redirects() TO {{.AppRole}};
