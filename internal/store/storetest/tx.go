package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/store"
)

var (
	_ = register("TxNow", TxNow)
	_ = register("UpdateLocked", UpdateLocked)
)

// tickingClock moves one second forward every time it is read, so that two
// reads are never equal.
type tickingClock struct{ n atomic.Int64 }

func (c *tickingClock) Now() time.Time { return Epoch.Add(time.Duration(c.n.Add(1)) * time.Second) }

// TxNow: a transaction's time is read once from the store's clock, when it
// starts: it does not move while the transaction runs, however often it is
// asked for; each transaction (and each retry of one) reads it afresh.
func TxNow(t *testing.T, open Opener) {
	db := open(t)
	clk := &tickingClock{}
	db.SetClock(clk)
	var times []time.Time
	for range 3 {
		NoError(t, db.Update(t.Context(), func(tx *store.Tx) error {
			first := tx.Now()
			for range 5 {
				if got := tx.Now(); !got.Equal(first) {
					return fmt.Errorf("Now moved inside a transaction: %s, then %s", first, got)
				}
			}
			times = append(times, first)
			return nil
		}), "update")
	}
	for i := 1; i < len(times); i++ {
		if !times[i].After(times[i-1]) {
			t.Errorf("transaction %d started at %s, not after the one before (%s)", i, times[i], times[i-1])
		}
	}

	t.Run("ManualClock", func(t *testing.T) {
		db := open(t)
		manual := clock.NewManual(Epoch)
		db.SetClock(manual)
		NoError(t, db.Update(t.Context(), func(tx *store.Tx) error {
			manual.Advance(time.Hour)
			if !tx.Now().Equal(Epoch) {
				return fmt.Errorf("Now is %s, want the time the transaction started, %s", tx.Now(), Epoch)
			}
			return nil
		}), "update")
		NoError(t, db.UpdateLocked(t.Context(), "k", func(tx *store.Tx) error {
			if want := Epoch.Add(time.Hour); !tx.Now().Equal(want) {
				return fmt.Errorf("Now is %s, want %s", tx.Now(), want)
			}
			return nil
		}), "locked update")
	})
}

// serializationFailure is what PostgreSQL answers a serializable
// transaction that lost a race.
var serializationFailure = &pgconn.PgError{Code: "40001", Message: "could not serialize access due to read/write dependencies among transactions"}

// UpdateLocked tests DB.UpdateLocked: writes under one key run one after
// another, each exactly once, where plain serializable transactions would
// fail and retry; writes under other keys are not held up; contention that
// outlasts the retries tells the client to try again without the
// database's words.
func UpdateLocked(t *testing.T, open Opener) {
	t.Run("OneKeyRunsEachWriteOnce", func(t *testing.T) {
		// Every write reads the counter and writes it back plus one: run
		// side by side as serializable transactions, all but one of each
		// overlapping group would fail. Under one key they take turns.
		db := open(t)
		NoError(t, db.PutSetting(t.Context(), "counter", "0"), "put counter")
		const n = 64
		var calls atomic.Int64
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = db.UpdateLocked(t.Context(), "counter", func(tx *store.Tx) error {
					calls.Add(1)
					var v string
					if err := tx.QueryRow(`SELECT value FROM settings WHERE name = ?`, "counter").Scan(&v); err != nil {
						return err
					}
					c, err := strconv.Atoi(v)
					if err != nil {
						return err
					}
					_, err = tx.Exec(`UPDATE settings SET value = ? WHERE name = ?`, strconv.Itoa(c+1), "counter")
					return err
				})
			})
		}
		wg.Wait()
		for i, err := range errs {
			NoError(t, err, fmt.Sprintf("write %d", i))
		}
		v, _, err := db.Setting(t.Context(), "counter")
		NoError(t, err, "read counter")
		if v != strconv.Itoa(n) {
			t.Errorf("counter %s after %d increments", v, n)
		}
		if got := calls.Load(); got != n {
			t.Errorf("%d writes ran %d times: some were retried", n, got)
		}
	})

	t.Run("OtherKeysProceed", func(t *testing.T) {
		db := open(t)
		if db.Dialect() == store.SQLite {
			t.Skip("on SQLite every write runs alone")
		}
		holding, release := make(chan struct{}), make(chan struct{})
		held := make(chan error, 1)
		go func() {
			held <- db.UpdateLocked(t.Context(), "a", func(tx *store.Tx) error {
				close(holding)
				<-release
				return putSetting(tx, "a", "1")
			})
		}()
		<-holding
		NoError(t, db.UpdateLocked(t.Context(), "b", func(tx *store.Tx) error { return putSetting(tx, "b", "1") }),
			"a write under another key, while key a is held")
		sameKey := make(chan error, 1)
		go func() {
			sameKey <- db.UpdateLocked(t.Context(), "a", func(tx *store.Tx) error { return putSetting(tx, "a2", "1") })
		}()
		select {
		case err := <-sameKey:
			t.Errorf("a write under key a ran while key a was held: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
		close(release)
		NoError(t, <-held, "the held write")
		NoError(t, <-sameKey, "the write that waited")
		wantSettings(t, db, map[string]bool{"a": true, "b": true, "a2": true})
	})

	t.Run("ContentionHidesTheDatabaseText", func(t *testing.T) {
		db := open(t)
		if db.Dialect() == store.SQLite {
			t.Skip("SQLite has no serialization failures to retry")
		}
		clk := &tickingClock{}
		db.SetClock(clk)
		for name, update := range map[string]func(fn func(*store.Tx) error) error{
			"Update":       func(fn func(*store.Tx) error) error { return db.Update(t.Context(), fn) },
			"UpdateLocked": func(fn func(*store.Tx) error) error { return db.UpdateLocked(t.Context(), "k", fn) },
		} {
			t.Run(name, func(t *testing.T) {
				var seen []time.Time
				err := update(func(tx *store.Tx) error {
					seen = append(seen, tx.Now())
					return serializationFailure
				})
				WantKind(t, err, fault.Throttled)
				if msg := fault.As(err).Message; strings.Contains(msg, "40001") || strings.Contains(msg, "serialize") || !strings.Contains(msg, "try again") {
					t.Errorf("the client would be told %q: want a message that says to try again, without the database's text", msg)
				}
				var pgErr *pgconn.PgError
				if !errors.As(err, &pgErr) || pgErr.Code != "40001" {
					t.Errorf("the database's error is not kept as the cause, for the log: %v", err)
				}
				if len(seen) < 2 {
					t.Fatalf("the transaction ran %d times; a serialization failure is retried", len(seen))
				}
				for i := 1; i < len(seen); i++ {
					if !seen[i].After(seen[i-1]) {
						t.Errorf("retry %d ran at %s, not after the attempt before (%s): a retry reads the time afresh", i, seen[i], seen[i-1])
					}
				}
			})
		}
	})
}
