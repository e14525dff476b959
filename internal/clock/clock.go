// Package clock is the only source of "now" for domain code. The real clock
// reads the wall clock; the simulated clock keeps its time in the store, so
// that every replica and the command line share one simulated time that
// survives restarts and only moves when someone advances it. The simulated
// clock is what makes hour-long license expiry and year-long subscriptions
// testable in seconds.
package clock

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// Real is the wall clock.
type Real struct{}

// Now returns the current wall-clock time in UTC.
func (Real) Now() time.Time { return time.Now().UTC() }

// Manual is a clock that moves only when told to; for tests.
type Manual struct {
	mu  sync.Mutex
	now time.Time
}

// NewManual returns a manual clock set to t.
func NewManual(t time.Time) *Manual { return &Manual{now: t.UTC()} }

// Now returns the manual clock's time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Advance moves the manual clock forward by d.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	m.now = m.now.Add(d)
	m.mu.Unlock()
}

// Set moves the manual clock to t.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	m.now = t.UTC()
	m.mu.Unlock()
}

// Store persists the simulated time. Implementations make Advance and Set
// atomic, so that concurrent advances from several processes add up.
type Store interface {
	// SimulatedTime returns the stored time, and false if none is stored.
	SimulatedTime(ctx context.Context) (time.Time, bool, error)
	// InitSimulatedTime stores t unless a time is already stored, and
	// returns the stored time.
	InitSimulatedTime(ctx context.Context, t time.Time) (time.Time, error)
	// AdvanceSimulatedTime adds d to the stored time and returns the result.
	AdvanceSimulatedTime(ctx context.Context, d time.Duration) (time.Time, error)
	// SetSimulatedTime stores t if it is not before the stored time.
	SetSimulatedTime(ctx context.Context, t time.Time) (time.Time, error)
}

// Simulated is a clock whose time lives in a Store. Now is served from memory;
// Run refreshes it from the store so that changes made by other processes are
// seen within one refresh interval.
type Simulated struct {
	store Store
	nanos atomic.Int64
}

// NewSimulated loads the stored simulated time, storing start first if the
// store has none.
func NewSimulated(ctx context.Context, store Store, start time.Time) (*Simulated, error) {
	t, err := store.InitSimulatedTime(ctx, start.UTC().Truncate(time.Second))
	if err != nil {
		return nil, err
	}
	s := &Simulated{store: store}
	s.observe(t)
	return s, nil
}

// Now returns the simulated time as last seen in the store.
func (s *Simulated) Now() time.Time { return time.Unix(0, s.nanos.Load()).UTC() }

// observe records t unless a later time has already been seen, so that Now
// never goes backwards even if refreshes and advances race.
func (s *Simulated) observe(t time.Time) {
	n := t.UnixNano()
	for {
		cur := s.nanos.Load()
		if n <= cur || s.nanos.CompareAndSwap(cur, n) {
			return
		}
	}
}

// Refresh reads the stored time now.
func (s *Simulated) Refresh(ctx context.Context) error {
	t, ok, err := s.store.SimulatedTime(ctx)
	if err != nil {
		return err
	}
	if ok {
		s.observe(t)
	}
	return nil
}

// Run refreshes the clock every interval until ctx ends.
func (s *Simulated) Run(ctx context.Context, interval time.Duration) {
	Every(ctx, interval, func(ctx context.Context) {
		_ = s.Refresh(ctx) // a failed refresh keeps the last known time
	})
}

// Every calls fn every interval of wall time, the first time one interval
// from now, until ctx ends; it returns when ctx ends. It paces background
// work (refreshes, sweeps); what that work does with time reads a Clock.
func Every(ctx context.Context, interval time.Duration, fn func(context.Context)) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			fn(ctx)
		}
	}
}

// Advance moves simulated time forward by d, in the store and here.
func (s *Simulated) Advance(ctx context.Context, d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, fault.New(fault.Invalid, "simulated time only moves forward; %s is negative", d)
	}
	t, err := s.store.AdvanceSimulatedTime(ctx, d)
	if err != nil {
		return time.Time{}, err
	}
	s.observe(t)
	return t, nil
}

// Set moves simulated time to t, which must not be in the simulated past.
func (s *Simulated) Set(ctx context.Context, t time.Time) (time.Time, error) {
	got, err := s.store.SetSimulatedTime(ctx, t.UTC())
	if err != nil {
		return time.Time{}, err
	}
	s.observe(got)
	return got, nil
}
