-- +goose Up
-- ListLicenses and ListDistributedGrants read an issuer's licenses and grants
-- a batch at a time in ARN order (an issuer may hold millions). These
-- indexes give them that order without sorting, and carry the columns list
-- filters compare, so that a filtered list reads a table row only for a
-- match. The beneficiary, until now only in the license's JSON document,
-- gets a column for that.
ALTER TABLE licenses ADD COLUMN beneficiary TEXT NOT NULL DEFAULT '';
UPDATE licenses SET beneficiary = COALESCE(doc::jsonb ->> 'Beneficiary', '');
CREATE INDEX licenses_by_owner_arn ON licenses (owner, arn, product_sku, fingerprint, status, beneficiary);
DROP INDEX licenses_by_owner;
CREATE INDEX grants_by_grantor_arn ON grants (grantor, arn, license_arn, status, product_sku, issuer_name);
DROP INDEX grants_by_grantor;

-- +goose Down
CREATE INDEX grants_by_grantor ON grants (grantor);
DROP INDEX grants_by_grantor_arn;
CREATE INDEX licenses_by_owner ON licenses (owner);
DROP INDEX licenses_by_owner_arn;
ALTER TABLE licenses DROP COLUMN beneficiary;
