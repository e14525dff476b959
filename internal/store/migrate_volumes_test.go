package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// TestVolumeMigrationSQLite and ...Postgres: migration 29 gives each volume
// of the instances stored before it a row, so that they are listed, except
// those deleted with their terminated instances; it rolls back.
func TestVolumeMigrationSQLite(t *testing.T) { testVolumeMigration(t, unmigratedSQLite(t)) }

func TestVolumeMigrationPostgres(t *testing.T) { testVolumeMigration(t, unmigratedPostgres(t)) }

func testVolumeMigration(t *testing.T, u unmigrated) {
	dialect, cfg := u.dialect, u.cfg
	ctx := context.Background()
	conn := u.open(t)
	if err := store.MigrateUpTo(ctx, conn, dialect, 28); err != nil {
		t.Fatalf("migrate to 28: %v", err)
	}
	const at = `"attached_at": "2023-11-14T22:13:20Z"`
	for _, row := range []struct{ id, state, doc string }{
		{"i-00000000000000001", "running", `{"volumes": [{"device_name": "/dev/xvda", "volume_id": "vol-0000000000000000b", "size_gib": 8, ` + at +
			`, "delete_on_termination": true}, {"device_name": "/dev/sdf", "volume_id": "vol-0000000000000000a", ` + at + `}]}`},
		{"i-00000000000000002", "terminated", `{"volumes": [{"device_name": "/dev/xvda", "volume_id": "vol-0000000000000000c", ` + at +
			`, "delete_on_termination": true}, {"device_name": "/dev/sdf", "volume_id": "vol-0000000000000000d", ` + at + `}]}`},
		{"i-00000000000000003", "running", `{}`},
	} {
		insertOldInstance(t, conn, row.id, row.state, "", row.doc)
	}
	conn.Close()

	check := func(when string) {
		t.Helper()
		db, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatalf("open and migrate (%s): %v", when, err)
		}
		defer db.Close()
		got, err := db.Instances().Volumes(ctx, compute.VolumeQuery{Owner: "111111111111"})
		storetest.NoError(t, err, "list volumes "+when)
		var ids []string
		for _, v := range got {
			ids = append(ids, v.Instance.ID+" "+v.Volume.VolumeID)
		}
		want := []string{"i-00000000000000001 vol-0000000000000000a", "i-00000000000000001 vol-0000000000000000b",
			"i-00000000000000002 vol-0000000000000000d"}
		if !slices.Equal(ids, want) {
			t.Errorf("volumes %s: %q, want %q", when, ids, want)
		}
	}
	check("after migration 29")
	conn = u.open(t)
	defer conn.Close()
	if err := store.MigrateDownTo(ctx, conn, dialect, 28); err != nil {
		t.Fatalf("roll back to 28: %v", err)
	}
	check("after rolling back and migrating again")
}
