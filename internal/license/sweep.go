package license

import (
	"context"
	"time"
)

// How long state that no longer counts is kept before Sweep deletes it.
const (
	// ClientTokenRetention is the idempotency window: a request retried with
	// the same client token within it gets the first answer; after it, the
	// token is new again. AWS documents no window for License Manager; 24
	// hours is the one its EC2 API gives.
	ClientTokenRetention = 24 * time.Hour
	// ExpiredCheckoutRetention is how long a floating checkout is kept after
	// it expires. Its seats stopped counting at expiry; until it is deleted a
	// late check-in or extension is told when it expired rather than that it
	// does not exist (the error type is the same).
	ExpiredCheckoutRetention = time.Hour
)

// sweepBatch bounds the rows one sweep transaction deletes, so that a sweep
// after a long pause does not hold the single writer for long.
const sweepBatch = 1000

// SweepResult says what a sweep deleted.
type SweepResult struct {
	Checkouts    int // expired floating checkouts, with their seats
	ClientTokens int // client-token answers older than the idempotency window
}

// Sweep deletes what no longer counts: floating checkouts expired more than
// ExpiredCheckoutRetention ago, with their seats, and client-token answers
// older than ClientTokenRetention. PERPETUAL checkouts are the record of
// what was drawn down and are kept. Each batch is its own transaction;
// several replicas may sweep at once.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	now := s.clock.Now()
	var r SweepResult
	if _, err := s.sweepBatches(ctx, func(tx Tx) (int, error) { return tx.DateClientTokens(now, sweepBatch) }); err != nil {
		return r, err
	}
	var err error
	if r.Checkouts, err = s.sweepBatches(ctx, func(tx Tx) (int, error) {
		return tx.DeleteExpiredCheckouts(now.Add(-ExpiredCheckoutRetention), sweepBatch)
	}); err != nil {
		return r, err
	}
	r.ClientTokens, err = s.sweepBatches(ctx, func(tx Tx) (int, error) {
		return tx.DeleteClientTokens(now.Add(-ClientTokenRetention), sweepBatch)
	})
	return r, err
}

// sweepBatches runs del in one transaction after another until a batch
// deletes less than a full batch, and adds up what they deleted.
func (s *Service) sweepBatches(ctx context.Context, del func(Tx) (int, error)) (int, error) {
	total := 0
	for {
		var n int
		err := s.store.Update(ctx, func(tx Tx) error {
			var err error
			n, err = del(tx)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < sweepBatch {
			return total, nil
		}
	}
}
