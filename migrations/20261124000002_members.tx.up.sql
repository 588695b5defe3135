-- Members: the people of a company (HR admins and employees). Accounts and
-- credentials come with the identity work; a member is the company's view
-- of a person: role, department, site.

CREATE TABLE members (
    tenant_id  uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id         uuid        NOT NULL,
    email      text        NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    full_name  text        NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    role       text        NOT NULL CHECK (role IN ('hr_admin', 'employee')),
    department text        NOT NULL DEFAULT '',
    site       text        NOT NULL DEFAULT '',
    status     text        NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'active', 'disabled')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT members_email_key UNIQUE (tenant_id, email)
);

ALTER TABLE members ENABLE ROW LEVEL SECURITY;
ALTER TABLE members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON members
    USING (tenant_id = app.current_tenant_id())
    WITH CHECK (tenant_id = app.current_tenant_id());

GRANT SELECT, INSERT, UPDATE, DELETE ON members TO {{.AppRole}};
