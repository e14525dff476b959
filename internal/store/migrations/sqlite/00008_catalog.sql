-- +goose Up
-- Products: what queries look up (ID, seller, code) and the numbers that
-- order and version them are columns; the rest, the current price plan
-- included, is the store's own document (catalog_doc.go).
CREATE TABLE products (
    id            TEXT PRIMARY KEY,
    seller        TEXT NOT NULL,
    code          TEXT NOT NULL,
    token         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    price_version INTEGER NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    doc           TEXT NOT NULL
);
-- Product codes are unique: a clash is a conflict, and the catalog draws
-- another code.
CREATE UNIQUE INDEX products_by_code ON products (code);
CREATE INDEX products_by_seller ON products (seller, id);

CREATE TABLE price_versions (
    product_id   TEXT NOT NULL REFERENCES products (id),
    version      INTEGER NOT NULL,
    effective_at BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    doc          TEXT NOT NULL,
    PRIMARY KEY (product_id, version)
);

CREATE TABLE offers (
    id         TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (id),
    seller     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX offers_by_seller ON offers (seller, created_at, id);

-- The buyers an offer names, one row each, so that a buyer's offers are
-- found by index.
CREATE TABLE offer_buyers (
    offer_id TEXT NOT NULL REFERENCES offers (id),
    buyer    TEXT NOT NULL,
    PRIMARY KEY (offer_id, buyer)
);
CREATE INDEX offer_buyers_by_buyer ON offer_buyers (buyer);

-- The operator's catalogue of instance types, in the order it was loaded.
CREATE TABLE instance_types (
    name        TEXT PRIMARY KEY,
    position    INTEGER NOT NULL,
    vcpus       INTEGER NOT NULL,
    memory_mib  BIGINT NOT NULL,
    base_hourly BIGINT NOT NULL
);

-- +goose Down
DROP TABLE instance_types;
DROP TABLE offer_buyers;
DROP TABLE offers;
DROP TABLE price_versions;
DROP TABLE products;
