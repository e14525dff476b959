-- +goose Up
-- Licenses that renew (RenewType Weekly or Monthly) reset what PERPETUAL
-- checkouts drew at each period boundary: what was drawn is now kept per
-- renewal period, keyed by the Unix nanoseconds of the period's start (0
-- for the one period of a license that does not renew). Earlier periods'
-- rows are kept: with the PERPETUAL checkouts themselves, they are the
-- record of what was drawn. What was drawn before this migration is put in
-- period 0, which a renewing license's current period is not: its
-- consumption starts afresh, as its RenewType always said it would.
ALTER TABLE license_drawn ADD COLUMN period BIGINT NOT NULL DEFAULT 0;
ALTER TABLE license_drawn DROP CONSTRAINT license_drawn_pkey;
ALTER TABLE license_drawn ADD PRIMARY KEY (license_arn, name, period);
ALTER TABLE license_drawn ALTER COLUMN period DROP DEFAULT;

-- +goose Down
CREATE TABLE license_drawn_total AS SELECT license_arn, name, SUM(drawn)::BIGINT AS drawn FROM license_drawn GROUP BY license_arn, name;
DELETE FROM license_drawn;
ALTER TABLE license_drawn DROP CONSTRAINT license_drawn_pkey;
ALTER TABLE license_drawn DROP COLUMN period;
ALTER TABLE license_drawn ADD PRIMARY KEY (license_arn, name);
INSERT INTO license_drawn (license_arn, name, drawn) SELECT license_arn, name, drawn FROM license_drawn_total;
DROP TABLE license_drawn_total;
