-- +goose Up
-- Console passwords: argon2id hashes in the PHC string format, one per
-- account at most; gone with the account.
CREATE TABLE account_passwords (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    hash       TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Console sessions, by the SHA-256 of their token (the token itself is
-- never stored). A session ends at expires_at, or after a period without
-- use since last_seen_at (account.SessionIdle).
CREATE TABLE console_sessions (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX console_sessions_by_account ON console_sessions (account_id);

-- +goose Down
DROP TABLE console_sessions;
DROP TABLE account_passwords;
