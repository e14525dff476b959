-- +goose Up
CREATE TABLE licenses (
    arn         TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    product_sku TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      TEXT NOT NULL,
    version     TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX licenses_by_owner ON licenses (owner);

CREATE TABLE license_versions (
    arn     TEXT NOT NULL,
    version TEXT NOT NULL,
    doc     TEXT NOT NULL,
    PRIMARY KEY (arn, version)
);

CREATE TABLE grants (
    arn         TEXT PRIMARY KEY,
    license_arn TEXT NOT NULL,
    grantor     TEXT NOT NULL,
    grantee     TEXT NOT NULL,
    product_sku TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    issuer_name TEXT NOT NULL,
    status      TEXT NOT NULL,
    version     TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX grants_by_grantor ON grants (grantor);
CREATE INDEX grants_by_grantee ON grants (grantee, product_sku, fingerprint);

CREATE TABLE grant_versions (
    arn     TEXT NOT NULL,
    version TEXT NOT NULL,
    doc     TEXT NOT NULL,
    PRIMARY KEY (arn, version)
);

-- Units consumed for good by PERPETUAL checkouts, per entitlement.
CREATE TABLE license_drawn (
    license_arn TEXT NOT NULL,
    name        TEXT NOT NULL,
    drawn       BIGINT NOT NULL,
    PRIMARY KEY (license_arn, name)
);

-- Units held by live floating checkouts; a seat counts until expires_at.
CREATE TABLE license_seats (
    token       TEXT NOT NULL,
    license_arn TEXT NOT NULL,
    name        TEXT NOT NULL,
    quantity    BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (token, name)
);
CREATE INDEX license_seats_by_pool ON license_seats (license_arn, name, expires_at);

CREATE TABLE license_checkouts (
    token         TEXT PRIMARY KEY,
    account       TEXT NOT NULL,
    license_arn   TEXT NOT NULL,
    grant_arn     TEXT NOT NULL,
    checkout_type TEXT NOT NULL,
    borrow        INTEGER NOT NULL,
    node_id       TEXT NOT NULL,
    issued_at     BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    doc           TEXT NOT NULL
);

-- Answers to requests that carried a client token, for idempotent retries.
CREATE TABLE client_tokens (
    account      TEXT NOT NULL,
    operation    TEXT NOT NULL,
    token        TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response     TEXT NOT NULL,
    PRIMARY KEY (account, operation, token)
);

CREATE TABLE issuer_keys (
    fingerprint     TEXT PRIMARY KEY,
    private_key_pem TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);

CREATE TABLE license_tokens (
    id          TEXT PRIMARY KEY,
    account     TEXT NOT NULL,
    secret      TEXT NOT NULL UNIQUE,
    license_arn TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX license_tokens_by_account ON license_tokens (account);

-- +goose Down
DROP TABLE license_tokens;
DROP TABLE issuer_keys;
DROP TABLE client_tokens;
DROP TABLE license_checkouts;
DROP TABLE license_seats;
DROP TABLE license_drawn;
DROP TABLE grant_versions;
DROP TABLE grants;
DROP TABLE license_versions;
DROP TABLE licenses;
