-- +goose Up
-- DescribeImages by owner (Owners=self, an account ID, an alias such as
-- amazon) lists one owner's images in ID order, a page or a batch at a
-- time: from these indexes it reads just that page, where
-- images_by_owner_name (in name order) made it sort all of the owner's
-- images for every page, and the aliases were compared row by row.
CREATE INDEX images_by_owner ON images (owner, id);
CREATE INDEX images_by_owner_alias ON images (owner_alias, id) WHERE owner_alias <> '';

-- +goose Down
DROP INDEX images_by_owner_alias;
DROP INDEX images_by_owner;
