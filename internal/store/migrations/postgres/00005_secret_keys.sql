-- +goose Up
-- The keys that may have sealed a value in the store (access-key secrets,
-- issuer keys), each with a canary sealed under it, so that a store opened
-- with the wrong key is refused at start-up. Kept by the emulator's reset,
-- like the issuer keys sealed under them.
CREATE TABLE secret_keys (
    key_id TEXT PRIMARY KEY,
    canary TEXT NOT NULL
);

-- A row here means that secrets written before this migration may still be
-- in plain text: the server seals them (and hashes token secrets) when it
-- next opens the store with a key, then deletes the row. A store created by
-- this version never gets one.
CREATE TABLE secrets_unsealed (
    pending INTEGER PRIMARY KEY CHECK (pending = 1)
);
INSERT INTO secrets_unsealed (pending)
SELECT 1 WHERE EXISTS (SELECT 1 FROM access_keys) OR EXISTS (SELECT 1 FROM issuer_keys) OR EXISTS (SELECT 1 FROM license_tokens);

-- +goose Down
DROP TABLE secrets_unsealed;
DROP TABLE secret_keys;
