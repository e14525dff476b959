package store

import (
	"context"
	"testing"
	"time"
)

// TestKeyQueueTurns: a key's writers take turns; one that gives up waiting
// leaves the queue without taking a turn; a key nobody holds or waits for
// is forgotten.
func TestKeyQueueTurns(t *testing.T) {
	q := newKeyQueue()
	ctx := context.Background()
	release, err := q.acquire(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	other, err := q.acquire(ctx, 8) // another key does not wait
	if err != nil {
		t.Fatal(err)
	}
	other()

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := q.acquire(short, 7); err != context.DeadlineExceeded {
		t.Fatalf("waiting for a held key past the deadline: %v, want %v", err, context.DeadlineExceeded)
	}

	next := make(chan func(), 1)
	go func() {
		r, err := q.acquire(ctx, 7)
		if err != nil {
			t.Error(err)
		}
		next <- r
	}()
	select {
	case <-next:
		t.Fatal("a second writer took a held key's turn")
	case <-time.After(20 * time.Millisecond):
	}
	release()
	(<-next)()

	if n := len(q.turns); n != 0 {
		t.Fatalf("%d keys remembered with no writer; want 0", n)
	}
}
