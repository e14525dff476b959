-- +goose Up
-- Temporary credentials (sts:AssumeRoleWithWebIdentity with a license
-- token's access token): an ASIA key, its secret (sealed, as access keys'
-- are), the hash of its session token, the role session they act as, the
-- one license they may use, and when they expire. Expired sessions are
-- deleted by the sweep. No foreign key to accounts: in emulator mode an
-- account acts without being registered.
CREATE TABLE session_keys (
    id           TEXT PRIMARY KEY,
    secret       TEXT NOT NULL,
    token        TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    role_arn     TEXT NOT NULL,
    session_name TEXT NOT NULL,
    license_arn  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX session_keys_by_expiry ON session_keys (expires_at);

-- +goose Down
DROP TABLE session_keys;
