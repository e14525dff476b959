package store_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/tollgate/tollgate/internal/sealed"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// unmigrated is an empty database, on SQLite or PostgreSQL, for a test of
// migrations: the test brings it to the version it starts from through a
// direct connection (open), writes rows as an older build did, and then
// opens it as a store (cfg) to see what the migrations made of them.
type unmigrated struct {
	dialect store.Dialect
	cfg     store.Config
}

func unmigratedSQLite(t *testing.T) unmigrated {
	return unmigrated{dialect: store.SQLite, cfg: store.Config{DataDir: t.TempDir()}}
}

// unmigratedPostgres is a schema of its own in the test database, dropped
// when the test ends.
func unmigratedPostgres(t *testing.T) unmigrated {
	url := storetest.PostgresSchema(t, storetest.PostgresURL(t))
	return unmigrated{dialect: store.Postgres, cfg: store.Config{DatabaseURL: url, SecretKey: sealed.GenerateKey()}}
}

// open is a direct connection to the database, past the store.
func (u unmigrated) open(t *testing.T) *sql.DB {
	conn, err := sql.Open(driverOf(u.dialect), dsnOf(u.cfg))
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// insertOldInstance writes a running or terminated instance of account
// 111111111111 as a row of the instances table written before migration 27
// (no association of its own) and 29 (no volume rows): its state, its
// profile's ARN (empty: none) and its JSON document, given as text.
func insertOldInstance(t *testing.T, conn *sql.DB, id, state, profile, doc string) {
	t.Helper()
	if _, err := conn.ExecContext(t.Context(), `INSERT INTO instances (id, owner, reservation_id, launch_index, image_id,
		instance_type, state, product_code, product_code_type, platform, architecture, zone, private_ip, key_name,
		client_token, root_device_name, root_device_type, virtualization_type, launched_at, created_at, terminated_at,
		iam_instance_profile, doc) VALUES ('`+id+`', '111111111111', 'r-1', 0, 'ami-0123456789abcdef0', 't3.micro',
		'`+state+`', '', '', '', 'x86_64', 'us-east-1a', '10.0.0.4', '', '', '/dev/xvda', 'ebs', 'hvm', 1700000000000000000,
		1700000000000000000, 0, '`+profile+`', '`+doc+`')`); err != nil {
		t.Fatalf("insert %s: %v", id, err)
	}
}

func driverOf(d store.Dialect) string {
	if d == store.Postgres {
		return "pgx"
	}
	return "sqlite"
}

func dsnOf(cfg store.Config) string {
	if cfg.DatabaseURL != "" {
		return cfg.DatabaseURL
	}
	return "file:" + filepath.Join(cfg.DataDir, store.SQLiteFile)
}
