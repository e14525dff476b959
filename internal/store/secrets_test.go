package store_test

import (
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// TestSecretsSQLite runs the secrets-at-rest suite on SQLite.
func TestSecretsSQLite(t *testing.T) {
	storetest.Secrets(t, storetest.SQLiteConfig)
}

// TestSecretsPostgres runs the secrets-at-rest suite on PostgreSQL.
func TestSecretsPostgres(t *testing.T) {
	storetest.Secrets(t, storetest.PostgresConfig(storetest.PostgresURL(t)))
}

// TestSecretsMigrationSQLite and ...Postgres: a store left by a version
// before secrets were sealed (migration 4) is sealed when it is next opened:
// migration 5 marks it, and Open seals its access-key secrets and issuer
// keys and hashes its token secrets.
func TestSecretsMigrationSQLite(t *testing.T) { testSecretsMigration(t, unmigratedSQLite(t)) }

func TestSecretsMigrationPostgres(t *testing.T) { testSecretsMigration(t, unmigratedPostgres(t)) }

func testSecretsMigration(t *testing.T, u unmigrated) {
	conn, dialect, cfg := u.open(t), u.dialect, u.cfg
	t.Setenv(store.SecretKeyEnv, "")
	t.Setenv(store.SecretKeyFileEnv, "")
	ctx := t.Context()
	if err := store.MigrateUpTo(ctx, conn, dialect, 4); err != nil {
		t.Fatalf("migrate to 4: %v", err)
	}
	const secret, pemText, token = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----\n", "tgr-0123456789abcdef"
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO accounts (id, name, email, operator, created_at) VALUES ($1, 'A', '', 0, 1)`, []any{"111111111111"}},
		{`INSERT INTO access_keys (id, secret, account_id, created_at) VALUES ($1, $2, $3, 1)`, []any{"AKIAOLDOLDOLDOLD0000", secret, "111111111111"}},
		{`INSERT INTO issuer_keys (fingerprint, private_key_pem, created_at) VALUES ($1, $2, 1)`, []any{"fp", pemText}},
		{`INSERT INTO license_tokens (id, account, secret, license_arn, expires_at, doc) VALUES ('t1', '111111111111', $1, 'arn', 1, '{"TokenId":"t1"}')`, []any{token}},
	} {
		if _, err := conn.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("store as version 4 did: %v", err)
		}
	}
	conn.Close()

	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open and migrate: %v", err)
	}
	defer db.Close()
	if n := db.Secrets().Upgraded; n != 3 {
		t.Errorf("opening the version-4 store sealed or hashed %d values, want 3", n)
	}
	k, err := db.Accounts().GetAccessKey(ctx, "AKIAOLDOLDOLDOLD0000")
	if err != nil || k.Secret != secret {
		t.Errorf("the old key reads back as %q, %v", k.Secret, err)
	}
	ik, err := storetest.AllIssuerKeys(ctx, db.Licenses())
	if err != nil || len(ik) != 1 || string(ik[0].PrivateKeyPEM) != pemText {
		t.Errorf("the old issuer key reads back as %v, %v", ik, err)
	}
	if tok, err := db.Licenses().GetTokenBySecret(ctx, token); err != nil || tok.TokenId != "t1" {
		t.Errorf("the old token is found by its secret: %v, %v", tok, err)
	}
	var stored string
	if err := db.Update(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(`SELECT a.secret || i.private_key_pem || t.secret FROM access_keys a, issuer_keys i, license_tokens t`).Scan(&stored)
	}); err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{secret, "MIIEvQ", token} {
		if strings.Contains(stored, plain) {
			t.Errorf("the store still holds %q", plain)
		}
	}
}
