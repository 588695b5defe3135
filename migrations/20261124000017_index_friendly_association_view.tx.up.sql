-- Row-level security combines a table's policies with OR. The association
-- views of migrations 7 and 14 were subqueries, which no index serves: every
-- company's query on members, participations, hour_logs or profile_skills
-- then scanned the whole table, all companies' rows, and filtered. (The HR
-- people page read every member of the platform.) The same views, written
-- as "column = ANY (array)" over two stable functions, are index conditions:
-- a company's query uses its tenant_id index, an association's the mission
-- or member index, and the planner joins the two with a BitmapOr.

-- The missions of the transaction's association; none when it has none.
CREATE FUNCTION app.association_missions() RETURNS uuid[]
LANGUAGE sql STABLE PARALLEL SAFE SECURITY INVOKER
AS $$ SELECT coalesce(array_agg(m.id), '{}') FROM missions m WHERE m.association_id = app.current_association_id() $$;

-- The people who applied to those missions, from any company.
CREATE FUNCTION app.association_applicants() RETURNS uuid[]
LANGUAGE sql STABLE PARALLEL SAFE SECURITY INVOKER
AS $$ SELECT coalesce(array_agg(DISTINCT p.member_id), '{}') FROM participations p
      WHERE p.mission_id = ANY ((SELECT app.association_missions())::uuid[]) $$;

GRANT EXECUTE ON FUNCTION app.association_missions(), app.association_applicants() TO {{.AppRole}};

CREATE INDEX members_id_idx ON members (id);
CREATE INDEX profile_skills_member_idx ON profile_skills (member_id);

DROP POLICY association_view ON participations;
CREATE POLICY association_view ON participations
    USING (mission_id = ANY ((SELECT app.association_missions())::uuid[]))
    WITH CHECK (mission_id = ANY ((SELECT app.association_missions())::uuid[]));

DROP POLICY association_view ON hour_logs;
CREATE POLICY association_view ON hour_logs
    USING (mission_id = ANY ((SELECT app.association_missions())::uuid[]))
    WITH CHECK (mission_id = ANY ((SELECT app.association_missions())::uuid[]));

DROP POLICY association_view ON members;
CREATE POLICY association_view ON members FOR SELECT
    USING (id = ANY ((SELECT app.association_applicants())::uuid[]));

-- Of an applicant's skills, those the association's missions they applied
-- to ask for: the member is the index condition, the skill a filter.
DROP POLICY association_view ON profile_skills;
CREATE POLICY association_view ON profile_skills FOR SELECT
    USING (member_id = ANY ((SELECT app.association_applicants())::uuid[]) AND EXISTS (
        SELECT 1 FROM participations p JOIN mission_skills ms ON ms.mission_id = p.mission_id
        WHERE p.member_id = profile_skills.member_id AND p.tenant_id = profile_skills.tenant_id
          AND p.mission_id = ANY ((SELECT app.association_missions())::uuid[]) AND ms.skill = profile_skills.skill));
