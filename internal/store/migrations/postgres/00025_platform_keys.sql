-- +goose Up
-- The platform's own signing keys, by name: the key that signs instance
-- identity documents ("instance-identity"), with its self-signed
-- certificate, which sellers fetch and pin. The private key is sealed as
-- issuer_keys' are; the certificate is public. Generated once per store
-- by whichever replica needs it first, and never replaced, so that a
-- pinned certificate stays good.
CREATE TABLE platform_keys (
    name            TEXT PRIMARY KEY,
    private_key_pem TEXT NOT NULL,
    certificate_pem TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);

-- +goose Down
DROP TABLE platform_keys;
