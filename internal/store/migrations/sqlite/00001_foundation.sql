-- +goose Up
CREATE TABLE accounts (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL DEFAULT '',
    operator   INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE access_keys (
    id         TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX access_keys_by_account ON access_keys (account_id);

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE simulated_clock (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    now_nanos BIGINT NOT NULL
);

-- +goose Down
DROP TABLE simulated_clock;
DROP TABLE settings;
DROP TABLE access_keys;
DROP TABLE accounts;
