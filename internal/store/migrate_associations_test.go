package store_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// TestAssociationMigrationSQLite and ...Postgres: migration 27 gives each
// instance stored with a profile before it an association of its own,
// made at its launch, and none to an instance without one; it rolls back.
func TestAssociationMigrationSQLite(t *testing.T) { testAssociationMigration(t, unmigratedSQLite(t)) }

func TestAssociationMigrationPostgres(t *testing.T) {
	testAssociationMigration(t, unmigratedPostgres(t))
}

func testAssociationMigration(t *testing.T, u unmigrated) {
	dialect, cfg := u.dialect, u.cfg
	ctx := context.Background()
	conn := u.open(t)
	if err := store.MigrateUpTo(ctx, conn, dialect, 26); err != nil {
		t.Fatalf("migrate to 26: %v", err)
	}
	const created = int64(1_700_000_000_000_000_000)
	for _, row := range []struct{ id, profile string }{
		{"i-00000000000000001", "arn:aws:iam::111111111111:instance-profile/app"},
		{"i-00000000000000002", "arn:aws:iam::111111111111:instance-profile/app"},
		{"i-00000000000000003", ""},
	} {
		insertOldInstance(t, conn, row.id, "running", row.profile, "{}")
	}
	conn.Close()

	check := func(when string) {
		t.Helper()
		db, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatalf("open and migrate (%s): %v", when, err)
		}
		defer db.Close()
		pattern := regexp.MustCompile(`^iip-assoc-[0-9a-f]{17}$`)
		seen := map[string]bool{}
		for _, id := range []string{"i-00000000000000001", "i-00000000000000002"} {
			in, err := db.Instances().Get(ctx, id)
			storetest.NoError(t, err, "read "+id+" "+when)
			if !pattern.MatchString(in.Association.ID) || seen[in.Association.ID] || in.Association.At.UnixNano() != created {
				t.Errorf("%s %s: association %+v, want its own iip-assoc-<17 hex> made at its launch", id, when, in.Association)
			}
			seen[in.Association.ID] = true
		}
		in, err := db.Instances().Get(ctx, "i-00000000000000003")
		storetest.NoError(t, err, "read the instance without a profile "+when)
		if !in.Association.IsZero() {
			t.Errorf("an instance without a profile has the association %+v %s", in.Association, when)
		}
	}
	check("after migration 27")
	conn = u.open(t)
	defer conn.Close()
	if err := store.MigrateDownTo(ctx, conn, dialect, 26); err != nil {
		t.Fatalf("roll back to 26: %v", err)
	}
	check("after rolling back and migrating again")
}
