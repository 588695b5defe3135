ALTER TABLE tenants
    DROP CONSTRAINT tenants_logo_whole,
    DROP COLUMN logo_version,
    DROP COLUMN logo_type,
    DROP COLUMN logo,
    DROP COLUMN accent;
