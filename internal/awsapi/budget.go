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
	// once: four bodies of the largest size, or thousands of ordinary ones.
	DefaultBodyBudget = 4 * MaxBodyBytes
	// DefaultBodyWait is how long a request waits for room in the budget
	// before it is answered with a throttling error.
	DefaultBodyWait = time.Second
	// smallBody is the size up to which a body counts as small: every
	// request real clients send to the APIs served today is.
	smallBody = 64 << 10
)

// BodyBudget bounds the bytes of request bodies held in memory at once. A
// SigV4 signature covers the body's hash, so the body must be read before
// the request is known to come from a key holder (and in emulator mode it
// never is); without a bound, anyone could make the server hold as many
// maximum-size bodies as it has connections.
//
// A request takes its whole body's bytes before reading it (its declared
// Content-Length, or the largest body when it declares none) and gives them
// back when it is answered, so that what the body decodes into is bounded
// too. All or nothing: requests that each took part of what they need could
// otherwise wait for one another until all time out. One that finds no
// room waits a little, then is refused. There is no queue, and large
// bodies may not take the last quarter of the budget: small bodies, the
// requests real clients send, always find room beside large ones held by
// slow or hostile senders.
type BodyBudget struct {
	limit      int64
	largeLimit int64 // what large bodies may take together
	wait       time.Duration
	used       atomic.Int64

	waiters atomic.Int32
	mu      sync.Mutex
	freed   chan struct{} // closed and replaced when bytes come back
}

// NewBodyBudget returns a budget of limit bytes whose requests wait up to
// wait for room.
func NewBodyBudget(limit int64, wait time.Duration) *BodyBudget {
	reserve := min(limit/4, limit-MaxBodyBytes) // a largest body must still fit
	return &BodyBudget{limit: limit, largeLimit: limit - max(reserve, 0), wait: wait, freed: make(chan struct{})}
}

// Limit is the budget's size in bytes.
func (b *BodyBudget) Limit() int64 { return b.limit }

// InUse is how many bytes are taken now.
func (b *BodyBudget) InUse() int64 { return b.used.Load() }

// acquire takes n bytes, waiting up to the budget's wait for room; it
// reports false when there was none in time or ctx ended.
func (b *BodyBudget) acquire(ctx context.Context, n int64) bool {
	ceiling := b.limit
	if n > smallBody {
		ceiling = b.largeLimit
	}
	if b.tryAcquire(n, ceiling) {
		return true
	}
	if n > ceiling {
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
		if b.tryAcquire(n, ceiling) {
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

func (b *BodyBudget) tryAcquire(n, ceiling int64) bool {
	for {
		used := b.used.Load()
		if used+n > ceiling {
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

// Acquire takes n bytes for a body read outside the router (the native
// API's), waiting as the router's requests do; false: no room in time.
// The two share one budget, so that together they hold at most its size.
func (b *BodyBudget) Acquire(ctx context.Context, n int64) bool { return b.acquire(ctx, n) }

// Release gives back n bytes that Acquire took.
func (b *BodyBudget) Release(n int64) { b.release(n) }
