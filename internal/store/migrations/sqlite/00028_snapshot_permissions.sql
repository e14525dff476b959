-- +goose Up
-- Snapshot sharing: the group "all" of a snapshot's create-volume
-- permissions is is_public; the accounts it is shared with are rows of
-- their own, found by account for DescribeSnapshots' "shared with me".
ALTER TABLE snapshots ADD COLUMN is_public INTEGER NOT NULL DEFAULT 0;

CREATE TABLE snapshot_volume_permissions (
    snapshot_id TEXT NOT NULL,
    account     TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, account)
);
CREATE INDEX snapshot_volume_permissions_by_account ON snapshot_volume_permissions (account, snapshot_id);

-- +goose Down
DROP TABLE snapshot_volume_permissions;
ALTER TABLE snapshots DROP COLUMN is_public;
