package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for creating schemas

	"github.com/tollgate/tollgate/internal/sealed"
	"github.com/tollgate/tollgate/internal/store"
)

// PostgresEnv names the environment variable holding the PostgreSQL URL the
// PostgreSQL tests run against, such as
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. Without it they
// are skipped; CI sets it.
const PostgresEnv = "TOLLGATE_TEST_POSTGRES"

// SQLite opens a fresh SQLite store in a temporary directory, closed when the
// test ends.
func SQLite(t *testing.T) *store.DB {
	t.Helper()
	return OpenConfig(t, SQLiteConfig(t))
}

// SQLiteConfig returns the configuration of a fresh SQLite store in a
// temporary directory, whose secret key is generated when it is first opened.
func SQLiteConfig(t *testing.T) store.Config {
	return store.Config{DataDir: t.TempDir()}
}

// PostgresConfig returns the configuration of a fresh PostgreSQL store in a
// new schema with a new secret key of its own. Unlike PostgresSchema it
// leaves the environment alone, so parallel tests may use it.
func PostgresConfig(baseURL string) func(t *testing.T) store.Config {
	return func(t *testing.T) store.Config {
		// Few connections each: parallel tests, each with its own store,
		// must together stay under the server's max_connections (100 by
		// default), or some would be refused.
		return store.Config{DatabaseURL: postgresSchema(t, baseURL), SecretKey: sealed.GenerateKey(), MaxConns: 8}
	}
}

// OpenConfig opens the store cfg describes, closed when the test ends.
func OpenConfig(t *testing.T, cfg store.Config) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return db
}

// PostgresURL returns the URL in TOLLGATE_TEST_POSTGRES, and skips the test
// when it is unset.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(PostgresEnv)
	if u == "" {
		t.Skipf("%s is not set; skipping the PostgreSQL tests", PostgresEnv)
	}
	return u
}

// Postgres returns an Opener that gives each test a store in a new, empty
// schema of the database at baseURL, and drops the schema when the test ends.
// The schema is created over a plain connection; the store opens baseURL with
// search_path set to it, so its migrations, its goose version table and its
// data all live there.
func Postgres(baseURL string) Opener {
	return func(t *testing.T) *store.DB {
		t.Helper()
		return OpenConfig(t, PostgresConfig(baseURL)(t))
	}
}

// PostgresSchema creates a uniquely named empty schema in the database at
// baseURL, drops it (with everything in it) when the test ends, and returns
// baseURL with search_path set to that schema. Unless the environment gives
// a secret key already, it sets TOLLGATE_SECRET_KEY to a new one for the
// test (t.Setenv), so that every store opened on the URL, in the test or in a
// command it runs, finds the same key, as replicas sharing a database do. A
// test that runs in parallel cannot set the environment: it uses
// PostgresConfig.
func PostgresSchema(t testing.TB, baseURL string) string {
	t.Helper()
	u := postgresSchema(t, baseURL)
	if os.Getenv(store.SecretKeyEnv) == "" && os.Getenv(store.SecretKeyFileEnv) == "" {
		t.Setenv(store.SecretKeyEnv, sealed.GenerateKey())
	}
	return u
}

func postgresSchema(t testing.TB, baseURL string) string {
	t.Helper()
	u, err := url.Parse(baseURL)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	// Letters and digits only, lower case: a name that needs no quoting.
	schema := "tollgate_test_" + strings.ToLower(rand.Text()[:16])

	admin, err := sql.Open("pgx", baseURL)
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema %s: %v", schema, err)
	}
	// Registered before the caller's cleanups, so it runs after them: the
	// store is closed before its schema is dropped.
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})

	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
