-- +goose Up
-- Instance credentials. An instance keeps the ARN of the instance profile
-- it was launched with ('' for none); the role its metadata service serves
-- is named after the profile. Temporary credentials issued to an instance
-- name it (instance_id; '' for a license token's): they stop working once
-- the instance terminates, and the metadata service serves an instance's
-- newest session until it nears its expiry, found by the index.
ALTER TABLE instances ADD COLUMN iam_instance_profile TEXT NOT NULL DEFAULT '';
ALTER TABLE session_keys ADD COLUMN instance_id TEXT NOT NULL DEFAULT '';
CREATE INDEX session_keys_by_instance ON session_keys (instance_id, expires_at) WHERE instance_id <> '';

-- +goose Down
DROP INDEX session_keys_by_instance;
ALTER TABLE session_keys DROP COLUMN instance_id;
ALTER TABLE instances DROP COLUMN iam_instance_profile;
