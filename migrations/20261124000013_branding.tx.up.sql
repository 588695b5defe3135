-- A company's branding: its accent colour and logo in its pages' header.
-- The logo sits in the directory row (256 KiB at most) so that a company
-- needs no file store; it is read only when served, by its own query.
ALTER TABLE tenants
    ADD COLUMN accent text CHECK (accent ~ '^#[0-9a-f]{6}$'),
    ADD COLUMN logo bytea CHECK (octet_length(logo) <= 262144),
    ADD COLUMN logo_type text CHECK (logo_type IN ('image/png', 'image/jpeg', 'image/webp', 'image/svg+xml')),
    ADD COLUMN logo_version text,
    ADD CONSTRAINT tenants_logo_whole CHECK ((logo IS NULL) = (logo_type IS NULL) AND (logo IS NULL) = (logo_version IS NULL));
