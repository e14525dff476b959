-- +goose Up
-- The key every process seals new secrets under, marked among the listed
-- keys: set when a store is first opened with a key, and changed only by a
-- rotation, so that servers holding several keys, in whatever order, agree
-- on one, and a server that lacks it reads its key source again rather
-- than seal under a key the rotation is retiring.
ALTER TABLE secret_keys ADD COLUMN sealing INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX secret_keys_sealing ON secret_keys (sealing) WHERE sealing = 1;

-- +goose Down
DROP INDEX secret_keys_sealing;
ALTER TABLE secret_keys DROP COLUMN sealing;
