package store

import (
	"context"
	"testing"
)

// BenchmarkOpenEmpty opens a store in a fresh directory each time: creating
// the SQLite file, setting WAL, and applying every migration. It is the store's
// share of `tollgate serve`'s start-up (scripts/bench-startup.sh measures the
// whole).
func BenchmarkOpenEmpty(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		db, err := Open(ctx, Config{DataDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Ping(ctx); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}

// BenchmarkOpenExisting reopens a store whose migrations are all applied: the
// cost of a restart.
func BenchmarkOpenExisting(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	db, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	db.Close()
	for b.Loop() {
		db, err := Open(ctx, Config{DataDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Ping(ctx); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}
