-- +goose Up
-- Tags of licenses and grants (TagResource, UntagResource,
-- ListTagsForResource), by resource and key. Keys are at most 128
-- characters and values 256, so the primary key fits PostgreSQL's index
-- rows beside an ARN of 2,048 bytes.
CREATE TABLE license_tags (
    resource_arn TEXT NOT NULL,
    tag_key      TEXT NOT NULL,
    tag_value    TEXT NOT NULL,
    PRIMARY KEY (resource_arn, tag_key)
);

-- +goose Down
DROP TABLE license_tags;
