package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/store"
)

var _ = register("Update", Update)

var errBoom = errors.New("boom")

// putSetting inserts a setting inside a transaction.
func putSetting(tx *store.Tx, name, value string) error {
	_, err := tx.Exec(`INSERT INTO settings (name, value) VALUES (?, ?)`, name, value)
	return err
}

// wantSettings checks which of the named settings exist.
func wantSettings(t *testing.T, db *store.DB, present map[string]bool) {
	t.Helper()
	got := map[string]bool{}
	for name := range present {
		_, ok, err := db.Setting(t.Context(), name)
		NoError(t, err, "get setting "+name)
		got[name] = ok
	}
	Diff(t, "settings present", present, got)
}

// Update tests the semantics of DB.Update that every domain store relies on.
func Update(t *testing.T, open Opener) {
	t.Run("Commits", func(t *testing.T) {
		db := open(t)
		err := db.Update(t.Context(), func(tx *store.Tx) error {
			if err := putSetting(tx, "a", "1"); err != nil {
				return err
			}
			// The transaction reads its own writes.
			var v string
			if err := tx.QueryRow(`SELECT value FROM settings WHERE name = ?`, "a").Scan(&v); err != nil {
				return err
			}
			if v != "1" {
				return fmt.Errorf("read back %q inside the transaction, want 1", v)
			}
			return putSetting(tx, "b", "2")
		})
		NoError(t, err, "update")
		wantSettings(t, db, map[string]bool{"a": true, "b": true})
	})

	t.Run("ErrorRollsBackThatWrite", func(t *testing.T) {
		db := open(t)
		err := db.Update(t.Context(), func(tx *store.Tx) error {
			if err := putSetting(tx, "doomed", "x"); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("Update returned %v, want fn's error", err)
		}
		wantSettings(t, db, map[string]bool{"doomed": false})
	})

	t.Run("ErrorKindsPassThrough", func(t *testing.T) {
		db := open(t)
		CreateAccount(t, db, 1)
		for _, tc := range []struct {
			name string
			fn   func(tx *store.Tx) error
			want fault.Kind
		}{
			{"FaultFromFn", func(*store.Tx) error { return fault.New(fault.LimitExceeded, "pool exhausted") }, fault.LimitExceeded},
			{"UniqueViolation", func(tx *store.Tx) error {
				_, err := tx.Exec(`INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)`, NewAccount(1, Epoch).ID, "dup", 0)
				return err
			}, fault.Conflict},
			{"ForeignKeyViolation", func(tx *store.Tx) error {
				_, err := tx.Exec(`INSERT INTO access_keys (id, secret, account_id, created_at) VALUES (?, ?, ?, ?)`,
					"AKIAORPHANORPHAN0000", "s", NewAccount(2, Epoch).ID, 0)
				return err
			}, fault.NotFound},
			{"NoRows", func(tx *store.Tx) error {
				var v string
				return tx.QueryRow(`SELECT value FROM settings WHERE name = ?`, "nothing").Scan(&v)
			}, fault.NotFound},
		} {
			t.Run(tc.name, func(t *testing.T) { WantKind(t, db.Update(t.Context(), tc.fn), tc.want) })
		}
	})

	t.Run("FailuresAmongConcurrentWrites", func(t *testing.T) {
		// Writes that fail, by returning an error or by a constraint
		// violation, are undone alone; their neighbours (which on SQLite
		// share their batch) commit.
		db := open(t)
		NoError(t, db.PutSetting(t.Context(), "taken", "0"), "put setting")
		const n = 60
		want := map[string]bool{"taken": true}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			name := fmt.Sprintf("w%03d", i)
			want[name] = i%3 == 0
			wg.Go(func() {
				errs[i] = db.Update(t.Context(), func(tx *store.Tx) error {
					if err := putSetting(tx, name, "v"); err != nil {
						return err
					}
					switch i % 3 {
					case 1:
						return errBoom
					case 2:
						return putSetting(tx, "taken", "again") // Conflict
					}
					return nil
				})
			})
		}
		wg.Wait()
		for i, err := range errs {
			switch i % 3 {
			case 0:
				NoError(t, err, fmt.Sprintf("write %d", i))
			case 1:
				if !errors.Is(err, errBoom) {
					t.Errorf("write %d: got %v, want fn's error", i, err)
				}
			case 2:
				if fault.KindOf(err) != fault.Conflict {
					t.Errorf("write %d: got %v, want a Conflict", i, err)
				}
			}
		}
		wantSettings(t, db, want)
	})

	t.Run("ConcurrentUpdatesAllLand", func(t *testing.T) {
		db := open(t)
		const n = 200
		var wg sync.WaitGroup
		errs := make([]error, n)
		want := map[string]bool{}
		for i := range n {
			name := fmt.Sprintf("s%03d", i)
			want[name] = true
			wg.Go(func() {
				errs[i] = db.Update(t.Context(), func(tx *store.Tx) error { return putSetting(tx, name, name) })
			})
		}
		wg.Wait()
		for i, err := range errs {
			NoError(t, err, fmt.Sprintf("update %d", i))
		}
		wantSettings(t, db, want)
		var count int
		NoError(t, db.Update(t.Context(), func(tx *store.Tx) error {
			return tx.QueryRow(`SELECT COUNT(*) FROM settings`).Scan(&count)
		}), "count settings")
		if count != n {
			t.Errorf("%d settings stored, want %d", count, n)
		}
	})

	t.Run("Panic", func(t *testing.T) {
		db := open(t)
		// Panicking writes run beside ordinary ones.
		const n = 20
		var wg sync.WaitGroup
		errs := make([]error, n)
		want := map[string]bool{}
		for i := range n {
			name := fmt.Sprintf("p%02d", i)
			want[name] = i%2 == 0
			wg.Go(func() {
				errs[i] = db.Update(t.Context(), func(tx *store.Tx) error {
					if err := putSetting(tx, name, "v"); err != nil {
						return err
					}
					if i%2 == 1 {
						panic("write " + name + " panics")
					}
					return nil
				})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if i%2 == 0 {
				NoError(t, err, fmt.Sprintf("write %d", i))
			} else if err == nil {
				t.Errorf("write %d panicked, and Update returned no error", i)
			}
		}
		wantSettings(t, db, want)

		// Later writes work.
		NoError(t, db.PutSetting(t.Context(), "after", "panic"), "write after the panics")
		wantSettings(t, db, map[string]bool{"after": true})
	})

	t.Run("CancelledContext", func(t *testing.T) {
		db := open(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		called := false
		err := db.Update(ctx, func(tx *store.Tx) error {
			called = true
			return putSetting(tx, "cancelled", "v")
		})
		if err == nil {
			t.Fatalf("Update with a cancelled context succeeded (fn called: %v)", called)
		}
		wantSettings(t, db, map[string]bool{"cancelled": false})
		NoError(t, db.PutSetting(t.Context(), "later", "v"), "write after a cancelled one")
	})
}
