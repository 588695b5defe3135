DROP TABLE platform_audit_events, audit_events, rate_limits, api_tokens, account_tokens, member_tokens,
    account_sessions, member_sessions, association_managers, accounts;
REVOKE DELETE ON tenants FROM {{.AppRole}};
ALTER TABLE members DROP CONSTRAINT members_status_check;
ALTER TABLE members ADD CONSTRAINT members_status_check CHECK (status IN ('invited', 'active', 'disabled'));
ALTER TABLE members DROP COLUMN password_hash, DROP COLUMN email_verified_at, DROP COLUMN last_sign_in_at,
    DROP COLUMN invited_by, DROP COLUMN invited_at;
