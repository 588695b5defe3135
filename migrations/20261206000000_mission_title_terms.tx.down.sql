DROP FUNCTION app.search_lead(tsquery);
DROP TRIGGER missions_title_terms_changed ON missions;
DROP TRIGGER missions_title_terms ON missions;
DROP FUNCTION app.mission_title_terms();
DROP TABLE mission_title_terms;
