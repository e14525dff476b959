package store_test

import (
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// TestRenewalPeriodsMigrationSQLite and ...Postgres: migration 13 keeps
// what PERPETUAL checkouts drew before it in period 0, the one period of a
// license that does not renew, and takes draws per period afterwards; down,
// it adds the periods up again.
func TestRenewalPeriodsMigrationSQLite(t *testing.T) {
	testRenewalPeriodsMigration(t, unmigratedSQLite(t))
}

func TestRenewalPeriodsMigrationPostgres(t *testing.T) {
	testRenewalPeriodsMigration(t, unmigratedPostgres(t))
}

func testRenewalPeriodsMigration(t *testing.T, u unmigrated) {
	dialect, cfg := u.dialect, u.cfg
	ctx := t.Context()
	const arn = "arn:aws:license-manager::222222222222:license:l-old"
	conn := u.open(t)
	if err := store.MigrateUpTo(ctx, conn, dialect, 12); err != nil {
		t.Fatalf("migrate to 12: %v", err)
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO license_drawn (license_arn, name, drawn) VALUES ($1, 'Calls', 30)`, arn); err != nil {
		t.Fatalf("store a draw the version-12 way: %v", err)
	}
	conn.Close()

	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open and migrate: %v", err)
	}
	week := storetest.Epoch
	usage := func(period time.Time) map[string]license.Usage {
		t.Helper()
		u, err := db.Licenses().Usage(ctx, arn, period, storetest.Epoch)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	storetest.Diff(t, "period 0 after the migration", map[string]license.Usage{"Calls": {Drawn: 30}}, usage(time.Time{}))
	storetest.Diff(t, "a renewal period after the migration", map[string]license.Usage{}, usage(week))
	storetest.NoError(t, db.Licenses().Update(ctx, func(tx license.Tx) error { return tx.AddDrawn(arn, "Calls", week, 5) }), "draw in a period")
	storetest.Diff(t, "the renewal period", map[string]license.Usage{"Calls": {Drawn: 5}}, usage(week))
	db.Close()

	conn = u.open(t)
	defer conn.Close()
	if err := store.MigrateDownTo(ctx, conn, dialect, 12); err != nil {
		t.Fatalf("migrate down to 12: %v", err)
	}
	var drawn int64
	if err := conn.QueryRowContext(ctx, `SELECT drawn FROM license_drawn WHERE license_arn = $1 AND name = 'Calls'`, arn).Scan(&drawn); err != nil {
		t.Fatalf("read the draw after migrating down: %v", err)
	}
	if drawn != 35 {
		t.Errorf("drawn after migrating down: %d, want the periods' 35", drawn)
	}
}
