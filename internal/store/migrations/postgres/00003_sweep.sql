-- +goose Up
-- When each client-token answer was stored, so that answers older than the
-- idempotency window can be deleted; 0 marks answers stored before this
-- column existed, which the first sweep dates.
ALTER TABLE client_tokens ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX client_tokens_by_age ON client_tokens (created_at);

-- Floating checkouts are deleted, with their seats, some time after they
-- expire. PERPETUAL checkouts are kept for good, so they stay out of the
-- index that the sweep reads (its query names the same literal, which is
-- what lets SQLite use a partial index).
CREATE INDEX license_checkouts_by_expiry ON license_checkouts (expires_at) WHERE checkout_type <> 'PERPETUAL';

-- +goose Down
DROP INDEX license_checkouts_by_expiry;
DROP INDEX client_tokens_by_age;
ALTER TABLE client_tokens DROP COLUMN created_at;
