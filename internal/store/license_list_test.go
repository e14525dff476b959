package store_test

import (
	"fmt"
	"testing"

	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// TestListOrderMigrationSQLite and ...Postgres: migration 4 fills the new
// beneficiary column of licenses stored before it from their JSON
// documents, so that a Beneficiary filter still finds them.
func TestListOrderMigrationSQLite(t *testing.T) { testListOrderMigration(t, unmigratedSQLite(t)) }

func TestListOrderMigrationPostgres(t *testing.T) { testListOrderMigration(t, unmigratedPostgres(t)) }

func testListOrderMigration(t *testing.T, u unmigrated) {
	conn, dialect, cfg := u.open(t), u.dialect, u.cfg
	ctx := t.Context()
	if err := store.MigrateUpTo(ctx, conn, dialect, 3); err != nil {
		t.Fatalf("migrate to 3: %v", err)
	}
	const arn = "arn:aws:license-manager::222222222222:license:l-old"
	doc := `{"LicenseArn":"` + arn + `","ProductSKU":"sku","Beneficiary":"333333333333","Status":"AVAILABLE","Version":"1"}`
	q := `INSERT INTO licenses (arn, owner, product_sku, fingerprint, status, version, doc) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	if _, err := conn.ExecContext(ctx, q, arn, "222222222222", "sku", "fp", "AVAILABLE", "1", doc); err != nil {
		t.Fatalf("store a license the version-3 way: %v", err)
	}
	conn.Close()

	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open and migrate: %v", err)
	}
	defer db.Close()
	for _, tt := range []struct {
		beneficiary string
		want        int
	}{{"333333333333", 1}, {"444444444444", 0}} {
		got, err := db.Licenses().ListLicensesByOwner(ctx, "222222222222", "", 10, license.Narrowing{"Beneficiary": {tt.beneficiary}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.want {
			t.Errorf("licenses of beneficiary %s after the migration: %d, want %d", tt.beneficiary, len(got), tt.want)
		}
	}
}

// TestNarrowedListsAreNotCached: a listing narrowed by a request's filters
// has a query text of the request's making; the statement cache must not
// keep one per shape, or any caller could grow it without bound.
func TestNarrowedListsAreNotCached(t *testing.T) {
	db := storetest.SQLite(t)
	list := func(narrow license.Narrowing) {
		t.Helper()
		if _, err := db.Licenses().ListLicensesByOwner(t.Context(), "222222222222", "", 10, narrow); err != nil {
			t.Fatal(err)
		}
	}
	list(nil)
	before := db.CachedReadStatements()
	values := []string{}
	for i := range 50 {
		values = append(values, fmt.Sprint("sku-", i))
		list(license.Narrowing{"ProductSKU": values})
	}
	list(nil)
	if after := db.CachedReadStatements(); after != before {
		t.Errorf("50 narrowed listings took the statement cache from %d to %d statements", before, after)
	}
}
