DROP POLICY association_view ON profile_skills;
CREATE POLICY association_view ON profile_skills FOR SELECT
    USING (app.current_association_id() IS NOT NULL AND EXISTS (
        SELECT 1 FROM participations p
        JOIN missions m ON m.id = p.mission_id
        JOIN mission_skills ms ON ms.mission_id = p.mission_id
        WHERE p.tenant_id = profile_skills.tenant_id AND p.member_id = profile_skills.member_id
          AND m.association_id = app.current_association_id() AND ms.skill = profile_skills.skill));

DROP POLICY association_view ON members;
CREATE POLICY association_view ON members FOR SELECT
    USING (app.current_association_id() IS NOT NULL AND EXISTS (
        SELECT 1 FROM participations p JOIN missions m ON m.id = p.mission_id
        WHERE p.tenant_id = members.tenant_id AND p.member_id = members.id
          AND m.association_id = app.current_association_id()));

DROP POLICY association_view ON hour_logs;
CREATE POLICY association_view ON hour_logs
    USING (mission_id IN (SELECT m.id FROM missions m WHERE m.association_id = app.current_association_id()))
    WITH CHECK (mission_id IN (SELECT m.id FROM missions m WHERE m.association_id = app.current_association_id()));

DROP POLICY association_view ON participations;
CREATE POLICY association_view ON participations
    USING (mission_id IN (SELECT m.id FROM missions m WHERE m.association_id = app.current_association_id()))
    WITH CHECK (mission_id IN (SELECT m.id FROM missions m WHERE m.association_id = app.current_association_id()));

DROP INDEX profile_skills_member_idx;
DROP INDEX members_id_idx;
DROP FUNCTION app.association_applicants();
DROP FUNCTION app.association_missions();
