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
