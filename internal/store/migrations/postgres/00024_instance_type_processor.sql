-- +goose Up
-- What DescribeInstanceTypes may say of a catalogued type beyond its size,
-- when the operator states it: its processor architectures (a
-- comma-separated list, empty when not stated) and whether it is of the
-- current generation (NULL when not stated).
ALTER TABLE instance_types ADD COLUMN architectures TEXT NOT NULL DEFAULT '';
ALTER TABLE instance_types ADD COLUMN current_generation INTEGER;

-- +goose Down
ALTER TABLE instance_types DROP COLUMN current_generation;
ALTER TABLE instance_types DROP COLUMN architectures;
