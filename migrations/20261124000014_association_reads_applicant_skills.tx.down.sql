DROP POLICY association_view ON profile_skills;
