package store

import (
	"context"
	"time"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
)

// SimulatedClock implements clock.Store.
type SimulatedClock struct{ db *DB }

// SimulatedClock returns the store of the simulated time.
func (db *DB) SimulatedClock() *SimulatedClock { return &SimulatedClock{db: db} }

var _ clock.Store = (*SimulatedClock)(nil)

// SimulatedTime returns the stored simulated time, if any.
func (s *SimulatedClock) SimulatedTime(ctx context.Context) (time.Time, bool, error) {
	var n int64
	err := s.db.queryRow(ctx, `SELECT now_nanos FROM simulated_clock WHERE id = 1`).Scan(&n)
	if err != nil {
		if fault.Is(s.db.classify(err), fault.NotFound) {
			return time.Time{}, false, nil
		}
		return time.Time{}, false, s.db.classify(err)
	}
	return fromNanos(n), true, nil
}

// InitSimulatedTime stores t unless a time is stored, and returns the stored time.
func (s *SimulatedClock) InitSimulatedTime(ctx context.Context, t time.Time) (time.Time, error) {
	var got int64
	err := s.db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(`INSERT INTO simulated_clock (id, now_nanos) VALUES (1, ?) ON CONFLICT (id) DO NOTHING`, t.UnixNano()); err != nil {
			return err
		}
		return tx.QueryRow(`SELECT now_nanos FROM simulated_clock WHERE id = 1`).Scan(&got)
	})
	return fromNanos(got), err
}

// AdvanceSimulatedTime adds d to the stored time, starting from the wall
// clock if no time is stored yet.
func (s *SimulatedClock) AdvanceSimulatedTime(ctx context.Context, d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, fault.New(fault.Invalid, "simulated time only moves forward; %s is negative", d)
	}
	if _, err := s.InitSimulatedTime(ctx, clock.Real{}.Now().Truncate(time.Second)); err != nil {
		return time.Time{}, err
	}
	var got int64
	err := s.db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(`UPDATE simulated_clock SET now_nanos = now_nanos + ? WHERE id = 1`, int64(d)); err != nil {
			return err
		}
		return tx.QueryRow(`SELECT now_nanos FROM simulated_clock WHERE id = 1`).Scan(&got)
	})
	return fromNanos(got), err
}

// SetSimulatedTime moves the stored time to t; it refuses to go backwards,
// because records stamped in the simulated future would then be in the past.
func (s *SimulatedClock) SetSimulatedTime(ctx context.Context, t time.Time) (time.Time, error) {
	if _, err := s.InitSimulatedTime(ctx, t); err != nil {
		return time.Time{}, err
	}
	var got int64
	err := s.db.Update(ctx, func(tx *Tx) error {
		if err := tx.QueryRow(`SELECT now_nanos FROM simulated_clock WHERE id = 1`).Scan(&got); err != nil {
			return err
		}
		if t.UnixNano() < got {
			return fault.New(fault.Invalid, "simulated time only moves forward: %s is before the current %s",
				t.UTC().Format(time.RFC3339), fromNanos(got).Format(time.RFC3339))
		}
		got = t.UnixNano()
		_, err := tx.Exec(`UPDATE simulated_clock SET now_nanos = ? WHERE id = 1`, got)
		return err
	})
	return fromNanos(got), err
}
