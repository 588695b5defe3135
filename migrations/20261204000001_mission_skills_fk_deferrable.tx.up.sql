-- A bulk load (vendredi seed missions, postgres.BulkLoad) inserted the
-- missions, then their skills, whose statement trigger rewrote every
-- mission to fill its skill_codes (migration 20261202000101): 100 000
-- non-HOT updates, each a new entry in every index of missions. Deferring
-- this foreign key within its transaction lets the load insert the skills
-- first: the missions' own trigger then reads them as each mission is
-- inserted, and every mission is written once. Everyone else checks it at
-- each statement, as before.
ALTER TABLE mission_skills ALTER CONSTRAINT mission_skills_mission_id_fkey DEFERRABLE INITIALLY IMMEDIATE;
