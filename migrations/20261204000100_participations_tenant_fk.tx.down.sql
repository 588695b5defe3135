ALTER TABLE participations ADD CONSTRAINT participations_tenant_id_fkey
    FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE;
