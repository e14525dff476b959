-- +goose Up
-- Buyers' sign-ups to products. What queries compare or order by are
-- columns; the maps (annual quantities, contract terms) are the store's own
-- JSON document (subscription_doc.go). Times are Unix nanoseconds, 0 for
-- none.
CREATE TABLE subscriptions (
    id               TEXT PRIMARY KEY,
    buyer            TEXT NOT NULL,
    seller           TEXT NOT NULL,
    product_id       TEXT NOT NULL,
    product_code     TEXT NOT NULL,
    kind             TEXT NOT NULL,
    offer_id         TEXT NOT NULL,
    status           TEXT NOT NULL,
    price_version    INTEGER NOT NULL,
    license_arn      TEXT NOT NULL,
    license_revision INTEGER NOT NULL,
    license_pending  INTEGER NOT NULL,
    client_token     TEXT NOT NULL,
    started_at       BIGINT NOT NULL,
    trial_ends_at    BIGINT NOT NULL,
    term_ends_at     BIGINT NOT NULL,
    -- When access ends: term_ends_at for contracts and private offers,
    -- whose terms end access; 0 when no term does.
    access_until     BIGINT NOT NULL,
    cancelled_at     BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    doc              TEXT NOT NULL
);
-- A buyer's own, all or for one product, in ID order (pages).
CREATE INDEX subscriptions_by_buyer ON subscriptions (buyer, id);
CREATE INDEX subscriptions_by_buyer_product ON subscriptions (buyer, product_id, id);
-- A seller's subscribers, all or for one product, in ID order (pages).
CREATE INDEX subscriptions_by_seller ON subscriptions (seller, id);
CREATE INDEX subscriptions_by_seller_product ON subscriptions (seller, product_id, id);
-- The entitlement check's one read, answered from the index alone.
CREATE INDEX subscriptions_by_buyer_code ON subscriptions (buyer, product_code, status, id, access_until);
-- One live (not cancelled) subscription per buyer and product, whatever
-- the interleaving of sign-ups.
CREATE UNIQUE INDEX subscriptions_live ON subscriptions (buyer, product_id) WHERE status <> 'cancelled';
-- A buyer's client token names one sign-up.
CREATE UNIQUE INDEX subscriptions_by_client_token ON subscriptions (buyer, client_token) WHERE client_token <> '';
-- Unfinished license work, for the sweep that finishes it.
CREATE INDEX subscriptions_license_pending ON subscriptions (id) WHERE license_pending = 1;

-- Billable items: what sign-ups, changes and cancellations charge or
-- refund, for the billing issue to invoice. Amounts are micro-units.
CREATE TABLE subscription_charges (
    id              TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    position        INTEGER NOT NULL,
    buyer           TEXT NOT NULL,
    seller          TEXT NOT NULL,
    product_id      TEXT NOT NULL,
    product_code    TEXT NOT NULL,
    offer_id        TEXT NOT NULL,
    price_version   INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    description     TEXT NOT NULL,
    quantity        BIGINT NOT NULL,
    unit_price      BIGINT NOT NULL,
    amount          BIGINT NOT NULL,
    period_start    BIGINT NOT NULL,
    period_end      BIGINT NOT NULL,
    due_at          BIGINT NOT NULL,
    refunds         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    UNIQUE (subscription_id, position)
);
CREATE INDEX subscription_charges_by_buyer_due ON subscription_charges (buyer, due_at);

-- The epoch: a counter every change of a subscription raises, in the same
-- transaction, with a row in the change log naming what changed. An
-- entitlement cache on any replica reads the changes after the epoch it
-- last saw and drops those keys. The counter row is never deleted (Reset
-- keeps it and raises it), so that the epoch never goes back.
CREATE TABLE subscription_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO subscription_epoch (id, epoch) VALUES (1, 0);

CREATE TABLE subscription_changes (
    epoch        BIGINT PRIMARY KEY,
    buyer        TEXT NOT NULL,
    product_code TEXT NOT NULL
);

-- +goose Down
DROP TABLE subscription_changes;
DROP TABLE subscription_epoch;
DROP TABLE subscription_charges;
DROP TABLE subscriptions;
