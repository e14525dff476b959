-- +goose Up
-- When each client-token answer was stored, so that answers older than the
-- idempotency window can be deleted; 0 marks answers stored before this
-- column existed, which the first sweep dates.
ALTER TABLE client_tokens ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX client_tokens_by_age ON client_tokens (created_at);

-- Floating checkouts are deleted, with their seats, some time after they
-- expire.
CREATE INDEX license_checkouts_by_expiry ON license_checkouts (expires_at);

-- +goose Down
DROP INDEX license_checkouts_by_expiry;
DROP INDEX client_tokens_by_age;
ALTER TABLE client_tokens DROP COLUMN created_at;
