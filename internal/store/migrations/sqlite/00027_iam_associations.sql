-- +goose Up
-- IAM instance profile associations. An instance with a profile holds one
-- association, whose ID (iip-assoc-<17 hex>; '' for none) the association
-- operations name it by, found by the index; the time it was made is in
-- the instance's document. Instances launched with a profile before
-- associations were recorded are given one now.
ALTER TABLE instances ADD COLUMN iam_association_id TEXT NOT NULL DEFAULT '';
UPDATE instances SET iam_association_id = 'iip-assoc-' || substr(lower(hex(randomblob(9))), 1, 17)
    WHERE iam_instance_profile <> '';
CREATE UNIQUE INDEX instances_by_iam_association ON instances (iam_association_id) WHERE iam_association_id <> '';

-- +goose Down
DROP INDEX instances_by_iam_association;
ALTER TABLE instances DROP COLUMN iam_association_id;
