package store

import (
	"context"
	"sync"
)

// keyQueue lines up, inside one process, the writers that wait for the same
// key (UpdateLocked on PostgreSQL), so that only the one at the front holds
// a pooled connection while it takes the key's advisory lock. Without it,
// every writer waiting for a hot key would hold a connection blocked in
// pg_advisory_lock, and a burst on one license would starve every other
// write of connections.
//
// Each key in use has a one-slot channel, its turn: a writer takes the turn
// by sending, gives it up by receiving, and can give up waiting when its
// context ends. A key's entry lives only while some writer holds or waits
// for it, so the map stays as small as the set of keys in use.
type keyQueue struct {
	mu    sync.Mutex
	turns map[int64]*keyTurn
}

type keyTurn struct {
	slot  chan struct{}
	users int // writers holding or waiting for the turn
}

func newKeyQueue() *keyQueue {
	return &keyQueue{turns: make(map[int64]*keyTurn)}
}

// acquire waits for id's turn and returns the function that gives it up,
// or ctx's error if ctx ends first.
func (q *keyQueue) acquire(ctx context.Context, id int64) (release func(), err error) {
	turn := q.join(id)
	select {
	case turn.slot <- struct{}{}:
		return func() {
			<-turn.slot
			q.leave(id, turn)
		}, nil
	case <-ctx.Done():
		q.leave(id, turn)
		return nil, ctx.Err()
	}
}

func (q *keyQueue) join(id int64) *keyTurn {
	q.mu.Lock()
	defer q.mu.Unlock()
	turn := q.turns[id]
	if turn == nil {
		turn = &keyTurn{slot: make(chan struct{}, 1)}
		q.turns[id] = turn
	}
	turn.users++
	return turn
}

func (q *keyQueue) leave(id int64, turn *keyTurn) {
	q.mu.Lock()
	defer q.mu.Unlock()
	turn.users--
	if turn.users == 0 {
		delete(q.turns, id)
	}
}
