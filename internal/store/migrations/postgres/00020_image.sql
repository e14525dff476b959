-- +goose Up
-- Machine images: what DescribeImages filters on is a column, so that
-- every filter is a condition of one query (and the product code one an
-- index); the rest is the store's own document (image_doc.go). An owner's
-- image names are unique.
CREATE TABLE images (
    id                  TEXT PRIMARY KEY,
    owner               TEXT NOT NULL,
    owner_alias         TEXT NOT NULL,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL,
    state               TEXT NOT NULL,
    is_public           INTEGER NOT NULL,
    platform            TEXT NOT NULL,
    architecture        TEXT NOT NULL,
    product_code        TEXT NOT NULL,
    product_code_type   TEXT NOT NULL,
    root_device_name    TEXT NOT NULL,
    root_device_type    TEXT NOT NULL,
    virtualization_type TEXT NOT NULL,
    source_instance_id  TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    doc                 TEXT NOT NULL
);
CREATE UNIQUE INDEX images_by_owner_name ON images (owner, name);
CREATE INDEX images_by_product_code ON images (product_code, id) WHERE product_code <> '';
CREATE INDEX images_public ON images (id) WHERE is_public = 1;

-- The accounts an image is shared with; the group "all" is is_public.
CREATE TABLE image_launch_permissions (
    image_id TEXT NOT NULL REFERENCES images (id),
    account  TEXT NOT NULL,
    PRIMARY KEY (image_id, account)
);
CREATE INDEX image_launch_permissions_by_account ON image_launch_permissions (account, image_id);

-- Tags on EC2 resources: each account's tags on a resource are its own
-- (as on AWS, where tags on a shared image are visible only to the
-- account that added them).
CREATE TABLE ec2_tags (
    account       TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    tag_key       TEXT NOT NULL,
    tag_value     TEXT NOT NULL,
    PRIMARY KEY (account, resource_id, tag_key)
);
CREATE INDEX ec2_tags_by_key ON ec2_tags (account, tag_key, tag_value);
CREATE INDEX ec2_tags_by_resource ON ec2_tags (resource_id);

-- +goose Down
DROP TABLE ec2_tags;
DROP TABLE image_launch_permissions;
DROP TABLE images;
