-- +goose Up
-- CreateGrant counts a license's grants (at most 2,000 that are neither
-- deleted nor rejected) before adding one. License ARNs are Tollgate's own,
-- short, so the index fits PostgreSQL's index rows.
CREATE INDEX grants_by_license ON grants (license_arn, status);

-- +goose Down
DROP INDEX grants_by_license;
