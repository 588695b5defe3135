DROP INDEX missions_search_title_idx;
ALTER TABLE missions DROP COLUMN search_title;
DROP TRIGGER associations_listable ON associations;
DROP FUNCTION app.association_listable();
DROP TRIGGER missions_listable ON missions;
DROP FUNCTION app.mission_listable();
ALTER TABLE missions DROP COLUMN listable;
