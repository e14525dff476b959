-- +goose Up
-- EBS snapshots: what DescribeSnapshots filters on is a column. A
-- snapshot keeps its lineage (the instance its volume belonged to, that
-- instance's product code and platform), because the rebundling rule
-- decides from it whether an image registered from the snapshot keeps the
-- code.
CREATE TABLE snapshots (
    id                 TEXT PRIMARY KEY,
    owner              TEXT NOT NULL,
    volume_id          TEXT NOT NULL,
    state              TEXT NOT NULL,
    volume_size        BIGINT NOT NULL,
    description        TEXT NOT NULL,
    encrypted          INTEGER NOT NULL,
    started_at         BIGINT NOT NULL,
    lineage_known      INTEGER NOT NULL,
    source_instance_id TEXT NOT NULL,
    source_image_id    TEXT NOT NULL,
    product_code       TEXT NOT NULL,
    product_code_type  TEXT NOT NULL,
    platform           TEXT NOT NULL
);
CREATE INDEX snapshots_by_owner ON snapshots (owner, id);

-- The snapshots each image's block devices are made from, so that a
-- snapshot an image uses is not deleted (InvalidSnapshot.InUse).
CREATE TABLE image_snapshots (
    image_id    TEXT NOT NULL,
    snapshot_id TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, image_id)
);
CREATE INDEX image_snapshots_by_image ON image_snapshots (image_id);

-- Client tokens of the EC2 operations that take one besides RunInstances
-- (CopyImage, ImportImage): a retry returns what the first call made.
CREATE TABLE ec2_client_tokens (
    account     TEXT NOT NULL,
    operation   TEXT NOT NULL,
    token       TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    request     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (account, operation, token)
);

-- ImportImage's tasks; the rest of a task is the store's own document
-- (import_task.go).
CREATE TABLE import_image_tasks (
    id         TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    status     TEXT NOT NULL,
    image_id   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX import_image_tasks_by_owner ON import_image_tasks (owner, id);

-- +goose Down
DROP TABLE import_image_tasks;
DROP TABLE ec2_client_tokens;
DROP TABLE image_snapshots;
DROP TABLE snapshots;
