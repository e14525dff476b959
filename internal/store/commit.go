package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/tollgate/tollgate/internal/fault"
)

// groupCommitter serialises SQLite writes through one goroutine. Each batch
// is one transaction; each write inside it runs under its own savepoint, so a
// write that fails is rolled back alone while its neighbours commit. Nobody
// is answered before the batch's COMMIT (and so its fsync) has returned.
type groupCommitter struct {
	db       *sql.DB
	requests chan *writeRequest
	done     chan struct{}

	// mu guards closed: submit sends on requests only under a read lock
	// and while closed is false, so that close never closes the channel
	// under a sender, and a write after close fails instead of panicking.
	mu     sync.RWMutex
	closed bool
}

type writeRequest struct {
	ctx    context.Context
	db     *DB
	fn     func(*Tx) error
	result chan error
}

// maxBatch bounds a batch so one commit cannot hold the lock for long.
const maxBatch = 512

func newGroupCommitter(db *sql.DB) *groupCommitter {
	c := &groupCommitter{db: db, requests: make(chan *writeRequest, maxBatch), done: make(chan struct{})}
	go c.run()
	return c
}

func (c *groupCommitter) submit(ctx context.Context, db *DB, fn func(*Tx) error) error {
	req := &writeRequest{ctx: ctx, db: db, fn: fn, result: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return fault.New(fault.Unavailable, "store is closed")
	}
	select {
	case c.requests <- req:
		c.mu.RUnlock()
	case <-ctx.Done():
		c.mu.RUnlock()
		return fault.Wrap(ctx.Err(), "write not started")
	}
	// Once queued, wait for the outcome even if ctx ends: the write may
	// already be committed, and the caller must not be told otherwise.
	return <-req.result
}

// close stops accepting writes, answers those already queued, and returns
// once the writer has stopped. It may be called more than once.
func (c *groupCommitter) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.requests)
	}
	c.mu.Unlock()
	<-c.done
}

func (c *groupCommitter) run() {
	defer close(c.done)
	batch := make([]*writeRequest, 0, maxBatch)
	for first := range c.requests {
		batch = append(batch[:0], first)
	gather:
		for len(batch) < maxBatch {
			select {
			case req, ok := <-c.requests:
				if !ok {
					break gather
				}
				batch = append(batch, req)
			default:
				break gather
			}
		}
		c.commit(batch)
	}
}

func (c *groupCommitter) commit(batch []*writeRequest) {
	results := make([]error, len(batch))
	tx, err := c.db.Begin()
	if err != nil {
		c.answerAll(batch, fault.Wrap(err, "begin"))
		return
	}
	for i, req := range batch {
		results[i] = c.apply(tx, req)
	}
	if err := tx.Commit(); err != nil {
		c.answerAll(batch, fault.Wrap(err, "commit"))
		return
	}
	for i, req := range batch {
		req.result <- results[i]
	}
}

// apply runs one write under a savepoint, undoing just that write on error.
func (c *groupCommitter) apply(tx *sql.Tx, req *writeRequest) (err error) {
	if err := req.ctx.Err(); err != nil {
		return fault.Wrap(err, "write abandoned before it started")
	}
	if _, err := tx.Exec("SAVEPOINT w"); err != nil {
		return fault.Wrap(err, "savepoint")
	}
	defer func() {
		if p := recover(); p != nil {
			err = fault.Wrap(fmt.Errorf("panic: %v", p), "write panicked")
		}
		if err != nil {
			_, _ = tx.Exec("ROLLBACK TO w")
		}
		if _, rerr := tx.Exec("RELEASE w"); rerr != nil && err == nil {
			err = fault.Wrap(rerr, "release savepoint")
		}
	}()
	// Statements run without the caller's cancellation: SQLite answers an
	// interrupted statement by rolling back the whole transaction, which would
	// take the rest of the batch with it.
	ctx := context.WithoutCancel(req.ctx)
	return req.db.classify(req.fn(&Tx{db: req.db, ctx: ctx, tx: tx, now: req.db.now()}))
}

func (c *groupCommitter) answerAll(batch []*writeRequest, err error) {
	for _, req := range batch {
		req.result <- err
	}
}
