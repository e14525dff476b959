package store_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"

	"github.com/tollgate/tollgate/internal/store"
)

// TestOutOfOrderMigrationsSQLite and ...Postgres: a store that a build
// without migrations 13-15 left (it had 1-12 and 20-21) opens under this
// build, which applies 13-15 though 20 and 21 came first.
func TestOutOfOrderMigrationsSQLite(t *testing.T) { testOutOfOrderMigrations(t, unmigratedSQLite(t)) }

func TestOutOfOrderMigrationsPostgres(t *testing.T) {
	testOutOfOrderMigrations(t, unmigratedPostgres(t))
}

func testOutOfOrderMigrations(t *testing.T, u unmigrated) {
	conn, dialect, cfg := u.open(t), u.dialect, u.cfg
	ctx := t.Context()
	older := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 20, 21}
	if err := store.MigrateUpTo(ctx, conn, dialect, 12); err != nil {
		t.Fatalf("migrate to 12: %v", err)
	}
	if err := store.MigrateOnly(ctx, conn, dialect, 20, 21); err != nil {
		t.Fatalf("apply 20 and 21 without 13-15: %v", err)
	}
	if got := appliedVersions(ctx, t, conn); !slices.Equal(got, older) {
		t.Fatalf("versions the older build left: %v, want %v", got, older)
	}
	conn.Close()

	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open a store whose later migrations came first: %v", err)
	}
	db.Close()

	conn2, err := sql.Open(driverOf(dialect), dsnOf(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	got := appliedVersions(ctx, t, conn2)
	for _, v := range []int64{13, 14, 15} {
		if !slices.Contains(got, v) {
			t.Errorf("migration %d not applied on open; applied: %v", v, got)
		}
	}
}

// appliedVersions lists the migration versions applied to conn, in order.
func appliedVersions(ctx context.Context, t *testing.T, conn *sql.DB) []int64 {
	t.Helper()
	rows, err := conn.QueryContext(ctx, `SELECT version_id FROM goose_db_version WHERE is_applied AND version_id > 0 ORDER BY version_id`)
	if err != nil {
		t.Fatalf("read the applied migrations: %v", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
