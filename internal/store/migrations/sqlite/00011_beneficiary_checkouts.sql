-- +goose Up
-- A license's issuer checks out, with no grant, the licenses it issued to a
-- beneficiary (a customer's account or any identifier, such as an e-mail
-- address), looking them up by owner and beneficiary. The index keys the
-- first 256 characters of the beneficiary: PostgreSQL refuses index rows
-- over 2,704 bytes, and a beneficiary may be 4,096 characters; the query
-- names the same expression and compares the whole value in the row.
CREATE INDEX licenses_by_beneficiary ON licenses (owner, substr(beneficiary, 1, 256));

-- +goose Down
DROP INDEX licenses_by_beneficiary;
