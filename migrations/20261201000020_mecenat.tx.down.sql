DROP TABLE mecenat_turnovers, mecenat_member_costs, mecenat_cost_bands, mecenat_settings, mecenat_reference;
DROP FUNCTION app.costs_open();
ALTER TABLE causes DROP COLUMN special_rate;
ALTER TABLE participations DROP COLUMN work_time;
ALTER TABLE campaigns DROP COLUMN work_time;
