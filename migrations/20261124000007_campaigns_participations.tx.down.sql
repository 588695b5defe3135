DROP POLICY association_view ON members;
DROP TABLE redirect_clicks, hour_logs, participations, profile_skills, profiles, campaigns, campaign_templates;
DROP FUNCTION app.current_association_id();
