package store_test

import (
	"slices"
	"testing"

	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// TestConformanceSQLite runs the storage conformance suite on SQLite.
func TestConformanceSQLite(t *testing.T) {
	storetest.Run(t, storetest.SQLite)
}

// TestConformancePostgres runs the storage conformance suite on PostgreSQL;
// it is skipped unless TOLLGATE_TEST_POSTGRES is set.
func TestConformancePostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	t.Log("running against PostgreSQL")
	storetest.Run(t, storetest.Postgres(url))
}

// TestResetTablesSQLite checks that Reset knows every table of the SQLite
// migrations.
func TestResetTablesSQLite(t *testing.T) {
	testResetTables(t, storetest.SQLite(t))
}

// TestResetTablesPostgres checks that Reset knows every table of the
// PostgreSQL migrations.
func TestResetTablesPostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	t.Log("running against PostgreSQL")
	testResetTables(t, storetest.Postgres(url)(t))
}

// testResetTables checks that every table the migrations create is either
// emptied by Reset or deliberately kept, and that Reset empties children
// before the parents their foreign keys refer to. A migration that adds a
// table and forgets Reset fails here, rather than leaving data behind in the
// emulator's reset.
func testResetTables(t *testing.T, db *store.DB) {
	tables, err := db.Tables(t.Context())
	storetest.NoError(t, err, "list tables")
	accounted := append(slices.Clone(store.DataTables), store.KeptTables...)
	slices.Sort(accounted)
	storetest.Diff(t, "tables in the migrations vs. tables Reset empties or keeps", tables, accounted)

	fks, err := db.ForeignKeys(t.Context())
	storetest.NoError(t, err, "list foreign keys")
	t.Logf("tables %v; foreign keys %v", tables, fks)
	if len(fks) == 0 {
		t.Fatal("found no foreign keys; access_keys refers to accounts")
	}
	for child, parents := range fks {
		ci := slices.Index(store.DataTables, child)
		for _, parent := range parents {
			pi := slices.Index(store.DataTables, parent)
			if ci < 0 || pi < 0 {
				continue // a kept table; the diff above covers it
			}
			if ci > pi {
				t.Errorf("Reset empties %s before %s, which refers to it", parent, child)
			}
		}
	}
}

// TestSQLiteDurabilitySettings checks the settings that make an acknowledged
// SQLite write durable: write-ahead logging, with the log fsync'd at every
// commit (synchronous=FULL, 2), on every connection; and foreign keys on.
func TestSQLiteDurabilitySettings(t *testing.T) {
	db := storetest.SQLite(t)
	read, write, err := db.SQLitePragmas(t.Context(), "journal_mode", "synchronous", "foreign_keys")
	storetest.NoError(t, err, "read pragmas")
	want := map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1"}
	storetest.Diff(t, "reader pragmas", want, read)
	storetest.Diff(t, "writer pragmas", want, write)
}
