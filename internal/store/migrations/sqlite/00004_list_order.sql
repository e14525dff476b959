-- +goose Up
-- ListLicenses and ListDistributedGrants read an issuer's licenses and grants
-- a batch at a time in ARN order (an issuer may hold millions); these
-- indexes give them that order without sorting.
CREATE INDEX licenses_by_owner_arn ON licenses (owner, arn);
DROP INDEX licenses_by_owner;
CREATE INDEX grants_by_grantor_arn ON grants (grantor, arn);
DROP INDEX grants_by_grantor;

-- +goose Down
CREATE INDEX grants_by_grantor ON grants (grantor);
DROP INDEX grants_by_grantor_arn;
CREATE INDEX licenses_by_owner ON licenses (owner);
DROP INDEX licenses_by_owner_arn;
