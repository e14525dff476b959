package awsapi

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the body budget.
const (
	// DefaultBodyBudget is how many bytes of request bodies may be held at
	// once by requests whose signature is not verified yet: four bodies of
	// the largest size, or thousands of ordinary ones.
	DefaultBodyBudget = 4 * MaxBodyBytes
	// DefaultBodyWait is how long a request waits for room in the budget
	// before it is answered with a throttling error.
	DefaultBodyWait = time.Second
)

// BodyBudget bounds the bytes of request bodies held in memory by requests
// that are not authenticated yet. A SigV4 signature covers the body's hash,
// so the body must be read before the request is known to come from a key
// holder; without a bound, anyone could make the server hold as many
// maximum-size bodies as it has connections. Requests take bytes as they
// read and give them back once their signature is checked; one that finds
// no room waits a little, then is refused. There is no queue: a small body
// fits in whatever room is left, so large waiting bodies never hold up the
// small requests real clients send.
type BodyBudget struct {
	limit int64
	wait  time.Duration
	used  atomic.Int64

	waiters atomic.Int32
	mu      sync.Mutex
	freed   chan struct{} // closed and replaced when bytes come back
}

// NewBodyBudget returns a budget of limit bytes whose requests wait up to
// wait for room.
func NewBodyBudget(limit int64, wait time.Duration) *BodyBudget {
	return &BodyBudget{limit: limit, wait: wait, freed: make(chan struct{})}
}

// Limit is the budget's size in bytes.
func (b *BodyBudget) Limit() int64 { return b.limit }

// InUse is how many bytes are taken now.
func (b *BodyBudget) InUse() int64 { return b.used.Load() }

// acquire takes n bytes, waiting up to the budget's wait for room; it
// reports false when there was none in time or ctx ended.
func (b *BodyBudget) acquire(ctx context.Context, n int64) bool {
	if b.tryAcquire(n) {
		return true
	}
	if n > b.limit {
		return false
	}
	b.waiters.Add(1)
	defer b.waiters.Add(-1)
	timer := time.NewTimer(b.wait)
	defer timer.Stop()
	for {
		b.mu.Lock()
		freed := b.freed
		b.mu.Unlock()
		// Try again after taking the channel, so that a release between the
		// failed try and the wait is not missed.
		if b.tryAcquire(n) {
			return true
		}
		select {
		case <-freed:
		case <-timer.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

func (b *BodyBudget) tryAcquire(n int64) bool {
	for {
		used := b.used.Load()
		if used+n > b.limit {
			return false
		}
		if b.used.CompareAndSwap(used, used+n) {
			return true
		}
	}
}

// release gives back n bytes and wakes the requests waiting for room.
func (b *BodyBudget) release(n int64) {
	if n == 0 {
		return
	}
	b.used.Add(-n)
	if b.waiters.Load() == 0 {
		return
	}
	b.mu.Lock()
	close(b.freed)
	b.freed = make(chan struct{})
	b.mu.Unlock()
}
