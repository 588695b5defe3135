REVOKE UPDATE (member_id) ON redirect_clicks FROM {{.AppRole}};
DROP FUNCTION app.redact_audit(uuid, text, text);
DROP TABLE privacy_purged_campaigns, privacy_settings, scim_groups, scim_users;
ALTER TABLE members DROP COLUMN erased_at;
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_scopes, DROP COLUMN scopes;
