-- +goose Up
-- Instances: what DescribeInstances filters on is a column; the rest is
-- the store's own document (instance_doc.go). Terminated instances stay,
-- for their running intervals and their hour of being listed.
CREATE TABLE instances (
    id                  TEXT PRIMARY KEY,
    owner               TEXT NOT NULL,
    reservation_id      TEXT NOT NULL,
    launch_index        INTEGER NOT NULL,
    image_id            TEXT NOT NULL,
    instance_type       TEXT NOT NULL,
    state               TEXT NOT NULL,
    product_code        TEXT NOT NULL,
    product_code_type   TEXT NOT NULL,
    platform            TEXT NOT NULL,
    architecture        TEXT NOT NULL,
    zone                TEXT NOT NULL,
    private_ip          TEXT NOT NULL,
    key_name            TEXT NOT NULL,
    client_token        TEXT NOT NULL,
    root_device_name    TEXT NOT NULL,
    root_device_type    TEXT NOT NULL,
    virtualization_type TEXT NOT NULL,
    launched_at         BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    terminated_at       BIGINT NOT NULL,
    doc                 TEXT NOT NULL
);
CREATE INDEX instances_by_owner ON instances (owner, reservation_id, id);
CREATE INDEX instances_by_client_token ON instances (owner, client_token) WHERE client_token <> '';

-- Running intervals, what billing charges for: one row per time an
-- instance ran, numbered from 1; ended_at is NULL while it runs. Written in
-- the transaction that changes the instance's state, so that an
-- acknowledged launch, stop, start or termination has its interval.
CREATE TABLE instance_intervals (
    instance_id       TEXT NOT NULL REFERENCES instances (id),
    seq               INTEGER NOT NULL,
    account           TEXT NOT NULL,
    instance_type     TEXT NOT NULL,
    product_code      TEXT NOT NULL,
    product_code_type TEXT NOT NULL,
    started_at        BIGINT NOT NULL,
    ended_at          BIGINT,
    PRIMARY KEY (instance_id, seq)
);
CREATE INDEX instance_intervals_by_account ON instance_intervals (account, started_at);

-- +goose Down
DROP TABLE instance_intervals;
DROP TABLE instances;
