package clock_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
)

var epoch = time.Date(2026, time.January, 2, 3, 4, 5, 600, time.UTC)

func TestReal(t *testing.T) {
	before := time.Now()
	got := clock.Real{}.Now()
	after := time.Now()
	if got.Location() != time.UTC {
		t.Errorf("Real.Now in %v, want UTC", got.Location())
	}
	if got.Before(before) || got.After(after) {
		t.Errorf("Real.Now = %v, want between %v and %v", got, before, after)
	}
}

func TestManual(t *testing.T) {
	zone := time.FixedZone("Z", 3*3600)
	m := clock.NewManual(epoch.In(zone))
	check := func(step string, want time.Time) {
		t.Helper()
		got := m.Now()
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s: Now = %v, want %v in UTC", step, got, want)
		}
	}
	check("new", epoch)
	m.Advance(61 * time.Minute)
	check("advance 61m", epoch.Add(61*time.Minute))
	m.Advance(0)
	check("advance 0", epoch.Add(61*time.Minute))
	m.Set(epoch.Add(-time.Hour).In(zone)) // a manual clock may go back
	check("set back", epoch.Add(-time.Hour))
	m.Advance(-time.Minute)
	check("advance -1m", epoch.Add(-61*time.Minute))

	// Safe for concurrent use: 100 advances of 1s add up.
	m.Set(epoch)
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			m.Advance(time.Second)
			_ = m.Now()
		})
	}
	wg.Wait()
	check("100 concurrent advances", epoch.Add(100*time.Second))

	var _ clock.Clock = m // a Manual is a Clock
}

// fakeStore is an in-memory clock.Store that counts its calls and can be
// told to fail.
type fakeStore struct {
	mu      sync.Mutex
	now     time.Time
	stored  bool
	err     error // returned by every call while set
	refresh int   // calls of SimulatedTime
}

func (f *fakeStore) SimulatedTime(context.Context) (time.Time, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refresh++
	if f.err != nil {
		return time.Time{}, false, f.err
	}
	return f.now, f.stored, nil
}

func (f *fakeStore) InitSimulatedTime(_ context.Context, t time.Time) (time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return time.Time{}, f.err
	}
	if !f.stored {
		f.now, f.stored = t, true
	}
	return f.now, nil
}

func (f *fakeStore) AdvanceSimulatedTime(_ context.Context, d time.Duration) (time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return time.Time{}, f.err
	}
	f.now = f.now.Add(d)
	return f.now, nil
}

func (f *fakeStore) SetSimulatedTime(_ context.Context, t time.Time) (time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return time.Time{}, f.err
	}
	if t.Before(f.now) {
		return time.Time{}, fault.New(fault.Invalid, "simulated time only moves forward")
	}
	f.now, f.stored = t, true
	return f.now, nil
}

// set changes the stored time behind the clock's back, as another process
// sharing the store would; it may move it backwards, which no process does
// but a stale read looks like.
func (f *fakeStore) set(t time.Time) {
	f.mu.Lock()
	f.now, f.stored = t, true
	f.mu.Unlock()
}

func (f *fakeStore) fail(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

func (f *fakeStore) refreshes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refresh
}

var _ clock.Store = (*fakeStore)(nil)

func newSimulated(t *testing.T, f *fakeStore, start time.Time) *clock.Simulated {
	t.Helper()
	s, err := clock.NewSimulated(t.Context(), f, start)
	if err != nil {
		t.Fatalf("NewSimulated: %v", err)
	}
	return s
}

func wantNow(t *testing.T, s *clock.Simulated, want time.Time) {
	t.Helper()
	got := s.Now()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Now mismatch (-want +got):\n%s", diff)
	}
	if got.Location() != time.UTC {
		t.Errorf("Now in %v, want UTC", got.Location())
	}
}

func TestNewSimulated(t *testing.T) {
	t.Run("StoresStartTruncatedToTheSecond", func(t *testing.T) {
		f := &fakeStore{}
		s := newSimulated(t, f, epoch.In(time.FixedZone("Z", -3600)))
		wantNow(t, s, epoch.Truncate(time.Second))
		if got, ok, _ := f.SimulatedTime(t.Context()); !ok || !got.Equal(epoch.Truncate(time.Second)) {
			t.Errorf("stored %v (%v), want the start truncated to the second", got, ok)
		}
	})
	t.Run("KeepsStoredTime", func(t *testing.T) {
		stored := epoch.AddDate(1, 0, 0)
		f := &fakeStore{now: stored, stored: true}
		wantNow(t, newSimulated(t, f, epoch), stored)
	})
	t.Run("StoreError", func(t *testing.T) {
		boom := errors.New("boom")
		f := &fakeStore{err: boom}
		if _, err := clock.NewSimulated(t.Context(), f, epoch); !errors.Is(err, boom) {
			t.Errorf("NewSimulated = %v, want the store's error", err)
		}
	})
}

func TestSimulatedAdvanceAndSet(t *testing.T) {
	f := &fakeStore{}
	s := newSimulated(t, f, epoch)
	start := epoch.Truncate(time.Second)

	got, err := s.Advance(t.Context(), 61*time.Minute)
	if err != nil {
		t.Fatalf("Advance: %v", err)
	}
	if !got.Equal(start.Add(61 * time.Minute)) {
		t.Errorf("Advance returned %v, want %v", got, start.Add(61*time.Minute))
	}
	wantNow(t, s, start.Add(61*time.Minute))

	target := start.AddDate(0, 1, 0)
	if got, err = s.Set(t.Context(), target.In(time.FixedZone("Z", 7200))); err != nil {
		t.Fatalf("Set forwards: %v", err)
	}
	if !got.Equal(target) {
		t.Errorf("Set returned %v, want %v", got, target)
	}
	wantNow(t, s, target)

	_, err = s.Set(t.Context(), start)
	if fault.KindOf(err) != fault.Invalid {
		t.Errorf("Set backwards = %v, want an Invalid fault", err)
	}
	wantNow(t, s, target)

	boom := errors.New("boom")
	f.fail(boom)
	if _, err := s.Advance(t.Context(), time.Hour); !errors.Is(err, boom) {
		t.Errorf("Advance with a failing store = %v, want its error", err)
	}
	wantNow(t, s, target)
}

func TestSimulatedAdvanceRejectsNegative(t *testing.T) {
	f := &fakeStore{}
	s := newSimulated(t, f, epoch)
	d, err := clock.ParseDuration("-5m")
	if err != nil {
		t.Fatalf("ParseDuration(-5m): %v", err)
	}
	_, err = s.Advance(t.Context(), d)
	if fault.KindOf(err) != fault.Invalid {
		t.Fatalf("Advance(-5m) = %v, want an Invalid fault", err)
	}
	wantNow(t, s, epoch.Truncate(time.Second))
	if got, _, _ := f.SimulatedTime(t.Context()); !got.Equal(epoch.Truncate(time.Second)) {
		t.Errorf("the store moved to %v on a refused advance", got)
	}
}

func TestSimulatedRefresh(t *testing.T) {
	f := &fakeStore{}
	s := newSimulated(t, f, epoch)
	start := epoch.Truncate(time.Second)

	// Another process advances the shared time: Refresh picks it up.
	f.set(start.Add(2 * time.Hour))
	wantNow(t, s, start) // Now is served from memory until a refresh
	if err := s.Refresh(t.Context()); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	wantNow(t, s, start.Add(2*time.Hour))

	// A read that returns an older time (a stale replica, a race with a
	// local advance) never moves Now backwards.
	f.set(start.Add(time.Hour))
	if err := s.Refresh(t.Context()); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	wantNow(t, s, start.Add(2*time.Hour))

	// A failed refresh keeps the last known time and reports the error.
	boom := errors.New("boom")
	f.fail(boom)
	if err := s.Refresh(t.Context()); !errors.Is(err, boom) {
		t.Errorf("Refresh with a failing store = %v, want its error", err)
	}
	wantNow(t, s, start.Add(2*time.Hour))
	f.fail(nil)

	// A store that lost its time (nothing stored) changes nothing.
	f.mu.Lock()
	f.stored, f.now = false, time.Time{}
	f.mu.Unlock()
	if err := s.Refresh(t.Context()); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	wantNow(t, s, start.Add(2*time.Hour))
}

func TestSimulatedNeverGoesBackwards(t *testing.T) {
	// Advances through the clock race with refreshes that read whatever the
	// store holds; every goroutine's successive readings must not decrease.
	f := &fakeStore{}
	s := newSimulated(t, f, epoch)
	start := epoch.Truncate(time.Second)
	const advancers, readers, steps = 8, 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, advancers*steps+readers*steps)
	for range advancers {
		wg.Go(func() {
			for range steps {
				if _, err := s.Advance(t.Context(), time.Second); err != nil {
					errs <- err
				}
			}
		})
	}
	for range readers {
		wg.Go(func() {
			last := s.Now()
			for range steps {
				if err := s.Refresh(t.Context()); err != nil {
					errs <- err
				}
				now := s.Now()
				if now.Before(last) {
					errs <- errors.New("Now went from " + last.String() + " back to " + now.String())
				}
				last = now
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	wantNow(t, s, start.Add(advancers*steps*time.Second))
}

func TestSimulatedRun(t *testing.T) {
	f := &fakeStore{}
	s := newSimulated(t, f, epoch)
	want := epoch.Truncate(time.Second).Add(61 * time.Minute)

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx, time.Millisecond)
	}()

	// Another process advances; Run picks it up without being asked.
	f.set(want)
	deadline := time.Now().Add(5 * time.Second)
	for !s.Now().Equal(want) {
		if time.Now().After(deadline) {
			t.Fatalf("Run did not pick up the stored time within 5s; Now = %v", s.Now())
		}
		time.Sleep(time.Millisecond)
	}

	// Failed refreshes do not stop it.
	f.fail(errors.New("boom"))
	n := f.refreshes()
	for f.refreshes() < n+3 {
		if time.Now().After(deadline) {
			t.Fatal("Run stopped refreshing after an error")
		}
		time.Sleep(time.Millisecond)
	}
	wantNow(t, s, want)
	f.fail(nil)
	f.set(want.Add(time.Hour))
	for !s.Now().Equal(want.Add(time.Hour)) {
		if time.Now().After(deadline) {
			t.Fatalf("Run did not recover after errors; Now = %v", s.Now())
		}
		time.Sleep(time.Millisecond)
	}

	// It returns when its context ends.
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	n = f.refreshes()
	time.Sleep(20 * time.Millisecond)
	if f.refreshes() != n {
		t.Error("Run kept refreshing after it returned")
	}
}
