package store

import (
	"testing"
	"time"
)

// TestRetryDelay: retries wait a random time under a ceiling that doubles
// from 1 ms up to 128 ms, so that a transaction gives up after about a
// second and a half at most.
func TestRetryDelay(t *testing.T) {
	var total time.Duration
	for attempt := range maxSerializationRetries {
		ceiling := time.Millisecond << min(attempt, 7)
		lo, hi := time.Hour, time.Duration(0)
		for range 200 {
			d := retryDelay(attempt)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo <= 0 || hi > ceiling+time.Millisecond/4 {
			t.Errorf("attempt %d: delays from %v to %v, want within (0, %v]", attempt, lo, hi, ceiling+time.Millisecond/4)
		}
		if attempt >= 3 && hi-lo < ceiling/4 {
			t.Errorf("attempt %d: delays from %v to %v barely vary", attempt, lo, hi)
		}
		total += ceiling
	}
	if total > 2*time.Second {
		t.Errorf("the longest wait over every retry is %v", total)
	}
}
