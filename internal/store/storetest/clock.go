package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
)

var _ = register("SimulatedClock", SimulatedClock)

// SimulatedClock tests the store of the simulated time (clock.Store).
func SimulatedClock(t *testing.T, open Opener) {
	t.Run("Init", func(t *testing.T) {
		s := open(t).SimulatedClock()
		ctx := t.Context()
		if got, ok, err := s.SimulatedTime(ctx); err != nil || ok {
			t.Fatalf("fresh store: SimulatedTime = %v, %v, %v; want nothing stored", got, ok, err)
		}
		got, err := s.InitSimulatedTime(ctx, Epoch)
		NoError(t, err, "first init")
		Diff(t, "first init", Epoch, got)
		// A second init, later or earlier, returns the stored time and stores nothing.
		for _, other := range []time.Time{Epoch.Add(time.Hour), Epoch.Add(-time.Hour)} {
			got, err = s.InitSimulatedTime(ctx, other)
			NoError(t, err, "second init")
			Diff(t, "second init", Epoch, got)
		}
		stored, ok, err := s.SimulatedTime(ctx)
		NoError(t, err, "SimulatedTime")
		if !ok {
			t.Fatal("SimulatedTime: nothing stored after init")
		}
		Diff(t, "stored time", Epoch, stored)
		if stored.Location() != time.UTC {
			t.Errorf("stored time in %v, want UTC", stored.Location())
		}
	})

	t.Run("Advance", func(t *testing.T) {
		s := open(t).SimulatedClock()
		ctx := t.Context()
		_, err := s.InitSimulatedTime(ctx, Epoch)
		NoError(t, err, "init")
		want := Epoch
		for _, d := range []time.Duration{61 * time.Minute, 0, time.Nanosecond, 30 * 24 * time.Hour} {
			want = want.Add(d)
			got, err := s.AdvanceSimulatedTime(ctx, d)
			NoError(t, err, "advance "+d.String())
			Diff(t, "after advancing "+d.String(), want, got)
		}
		_, err = s.AdvanceSimulatedTime(ctx, -time.Second)
		WantKind(t, err, fault.Invalid)
		stored, _, err := s.SimulatedTime(ctx)
		NoError(t, err, "SimulatedTime")
		Diff(t, "stored time after a refused advance", want, stored)
	})

	t.Run("AdvanceWithoutInit", func(t *testing.T) {
		s := open(t).SimulatedClock()
		before := time.Now().Truncate(time.Second)
		got, err := s.AdvanceSimulatedTime(t.Context(), time.Hour)
		after := time.Now()
		NoError(t, err, "advance")
		// It starts from the wall clock, truncated to the second.
		if got.Before(before.Add(time.Hour)) || got.After(after.Add(time.Hour)) || got.Nanosecond() != 0 {
			t.Errorf("advance from nothing = %v, want the wall clock (to the second) plus 1h, between %v and %v",
				got, before.Add(time.Hour), after.Add(time.Hour))
		}
	})

	t.Run("ConcurrentAdvances", func(t *testing.T) {
		s := open(t).SimulatedClock()
		ctx := t.Context()
		_, err := s.InitSimulatedTime(ctx, Epoch)
		NoError(t, err, "init")
		const n = 50
		var wg sync.WaitGroup
		errs := make(chan error, n)
		results := make(chan time.Time, n)
		for range n {
			wg.Go(func() {
				got, err := s.AdvanceSimulatedTime(ctx, time.Second)
				errs <- err
				results <- got
			})
		}
		wg.Wait()
		close(errs)
		close(results)
		for err := range errs {
			NoError(t, err, "concurrent advance")
		}
		// Every advance saw a distinct time: none was lost or applied twice.
		seen := map[time.Time]bool{}
		for got := range results {
			if seen[got] {
				t.Errorf("two advances both returned %v", got)
			}
			seen[got] = true
		}
		stored, _, err := s.SimulatedTime(ctx)
		NoError(t, err, "SimulatedTime")
		Diff(t, "time after 50 concurrent advances of 1s", Epoch.Add(n*time.Second), stored)
	})

	t.Run("Set", func(t *testing.T) {
		s := open(t).SimulatedClock()
		ctx := t.Context()
		// Set with nothing stored stores the time.
		got, err := s.SetSimulatedTime(ctx, Epoch)
		NoError(t, err, "set on a fresh store")
		Diff(t, "first set", Epoch, got)

		for _, tc := range []struct {
			name    string
			to      time.Time
			want    time.Time // the stored time afterwards
			wantErr bool
		}{
			{"Forwards", Epoch.Add(24 * time.Hour), Epoch.Add(24 * time.Hour), false},
			{"Same", Epoch.Add(24 * time.Hour), Epoch.Add(24 * time.Hour), false},
			{"Backwards", Epoch, Epoch.Add(24 * time.Hour), true},
			{"OneNanosecondBack", Epoch.Add(24*time.Hour - 1), Epoch.Add(24 * time.Hour), true},
			{"ForwardsAgain", Epoch.AddDate(1, 0, 0), Epoch.AddDate(1, 0, 0), false},
			{"OtherZone", Epoch.AddDate(2, 0, 0).In(time.FixedZone("Y", -7*3600)), Epoch.AddDate(2, 0, 0), false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.SetSimulatedTime(ctx, tc.to)
				if tc.wantErr {
					WantKind(t, err, fault.Invalid)
				} else {
					NoError(t, err, "set")
					Diff(t, "set returns", tc.want, got)
				}
				stored, _, err := s.SimulatedTime(ctx)
				NoError(t, err, "SimulatedTime")
				Diff(t, "stored time", tc.want, stored)
			})
		}
	})

	t.Run("SharedBetweenClocks", func(t *testing.T) {
		// Two simulated clocks over one store, as two replicas or a server
		// and the command line: one's advance is seen by the other.
		s := open(t).SimulatedClock()
		ctx := t.Context()
		a, err := clock.NewSimulated(ctx, s, Epoch)
		NoError(t, err, "first clock")
		b, err := clock.NewSimulated(ctx, s, Epoch.Add(time.Hour)) // its start is ignored
		NoError(t, err, "second clock")
		start := Epoch.Truncate(time.Second)
		Diff(t, "second clock's start", start, b.Now())
		_, err = a.Advance(ctx, 61*time.Minute)
		NoError(t, err, "advance the first clock")
		NoError(t, b.Refresh(ctx), "refresh the second clock")
		Diff(t, "second clock after the first advanced", start.Add(61*time.Minute), b.Now())
	})
}
