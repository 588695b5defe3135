DROP TRIGGER campaigns_notify_cache ON campaigns;
DROP TRIGGER associations_notify_cache ON associations;
DROP TRIGGER mission_skills_notify_cache ON mission_skills;
DROP TRIGGER missions_changed_notify_cache ON missions;
DROP TRIGGER missions_notify_cache ON missions;
DROP FUNCTION app.notify_catalogue_changed();
