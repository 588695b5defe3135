-- An association reads, of the people who applied to its missions, the
-- skills those missions ask for, and no other: enough to choose between
-- applicants, not a window on their profile. Read only, through the
-- association's own view (app.association_id), like members' names.
CREATE POLICY association_view ON profile_skills FOR SELECT
    USING (app.current_association_id() IS NOT NULL AND EXISTS (
        SELECT 1 FROM participations p
        JOIN missions m ON m.id = p.mission_id
        JOIN mission_skills ms ON ms.mission_id = p.mission_id
        WHERE p.tenant_id = profile_skills.tenant_id AND p.member_id = profile_skills.member_id
          AND m.association_id = app.current_association_id() AND ms.skill = profile_skills.skill));
