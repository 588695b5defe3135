ALTER TABLE api_tokens
    DROP CONSTRAINT api_tokens_expiry,
    DROP COLUMN expires_at;
