REVOKE SELECT ON bun_migrations FROM {{.AppRole}};
DROP TABLE tenants;
DROP FUNCTION app.tenants_domains_unique();
DROP FUNCTION app.current_tenant_id();
DROP SCHEMA app;
