-- An API token may expire: a leaked token then stops working by itself.
-- Tokens made before have none (they keep working until revoked).
ALTER TABLE api_tokens
    ADD COLUMN expires_at timestamptz,
    ADD CONSTRAINT api_tokens_expiry CHECK (expires_at IS NULL OR expires_at > created_at);
