-- +goose Up
-- Licenses that renew (RenewType Weekly or Monthly) reset what PERPETUAL
-- checkouts drew at each period boundary: what was drawn is now kept per
-- renewal period, keyed by the Unix nanoseconds of the period's start (0
-- for the one period of a license that does not renew). Earlier periods'
-- rows are kept: with the PERPETUAL checkouts themselves, they are the
-- record of what was drawn. What was drawn before this migration is put in
-- period 0, which a renewing license's current period is not: its
-- consumption starts afresh, as its RenewType always said it would.
CREATE TABLE license_drawn_by_period (
    license_arn TEXT NOT NULL,
    name        TEXT NOT NULL,
    period      BIGINT NOT NULL,
    drawn       BIGINT NOT NULL,
    PRIMARY KEY (license_arn, name, period)
);
INSERT INTO license_drawn_by_period (license_arn, name, period, drawn) SELECT license_arn, name, 0, drawn FROM license_drawn;
DROP TABLE license_drawn;
ALTER TABLE license_drawn_by_period RENAME TO license_drawn;

-- +goose Down
CREATE TABLE license_drawn_total (
    license_arn TEXT NOT NULL,
    name        TEXT NOT NULL,
    drawn       BIGINT NOT NULL,
    PRIMARY KEY (license_arn, name)
);
INSERT INTO license_drawn_total (license_arn, name, drawn) SELECT license_arn, name, SUM(drawn) FROM license_drawn GROUP BY license_arn, name;
DROP TABLE license_drawn;
ALTER TABLE license_drawn_total RENAME TO license_drawn;
