REVOKE DELETE ON campaign_templates FROM {{.AppRole}};
DROP INDEX hour_logs_member_idx;
DROP TABLE campaign_invitations;
