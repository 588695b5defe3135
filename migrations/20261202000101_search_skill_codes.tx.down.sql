DROP TRIGGER mission_skills_deleted ON mission_skills;
DROP TRIGGER mission_skills_updated ON mission_skills;
DROP TRIGGER mission_skills_inserted ON mission_skills;
DROP FUNCTION app.mission_skills_changed();
DROP TRIGGER missions_skill_codes ON missions;
DROP FUNCTION app.mission_skill_codes();
DROP INDEX missions_skill_codes_idx;
ALTER TABLE missions DROP COLUMN skill_codes;
