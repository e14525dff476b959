-- +goose Up
-- ListLicenses and ListDistributedGrants read an issuer's licenses and grants
-- a batch at a time in ARN order (an issuer may hold millions); these
-- indexes give them that order without sorting. The beneficiary, until now
-- only in the license's JSON document, gets a column so that a Beneficiary
-- filter can be applied in SQL.
--
-- Unlike SQLite's, these indexes do not carry the filtered columns:
-- PostgreSQL refuses index rows over 2,704 bytes, and a product SKU or an
-- issuer name may be 4,096 characters. For the same reason the grantee index
-- that every checkout uses keeps the grantee alone (a buyer holds few
-- grants; the product and fingerprint are compared in the rows).
ALTER TABLE licenses ADD COLUMN beneficiary TEXT NOT NULL DEFAULT '';
UPDATE licenses SET beneficiary = COALESCE(doc::jsonb ->> 'Beneficiary', '');
CREATE INDEX licenses_by_owner_arn ON licenses (owner, arn);
DROP INDEX licenses_by_owner;
CREATE INDEX grants_by_grantor_arn ON grants (grantor, arn);
DROP INDEX grants_by_grantor;
CREATE INDEX grants_by_grantee_only ON grants (grantee);
DROP INDEX grants_by_grantee;

-- +goose Down
CREATE INDEX grants_by_grantee ON grants (grantee, product_sku, fingerprint);
DROP INDEX grants_by_grantee_only;
CREATE INDEX grants_by_grantor ON grants (grantor);
DROP INDEX grants_by_grantor_arn;
CREATE INDEX licenses_by_owner ON licenses (owner);
DROP INDEX licenses_by_owner_arn;
ALTER TABLE licenses DROP COLUMN beneficiary;
