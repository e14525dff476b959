package server

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// reclaimNewAfter is how long the limiter leaves alone a connection that
// has not sent a whole request yet: a real client sends its request with
// the connection (it is in the socket before the server accepts it), so one
// still silent or halfway through its headers after this long can be closed
// to make room. Clients queued in the kernel's backlog behind a flood of
// silent connections get in after about (flood / limit) of these periods.
const reclaimNewAfter = 100 * time.Millisecond

// connLimiter is a listener that keeps at most max connections open. When
// a new client arrives at the limit, it makes room instead of turning the
// client away: it closes the connection idle the longest (a keep-alive
// connection between requests, or one that has begun its next request's
// headers without finishing them), or else the oldest one that has not sent
// a whole request since it opened, once that is older than reclaimNewAfter.
// Only when every connection is busy with a request (its headers read) does
// Accept wait, leaving new clients in the kernel's backlog until one
// finishes. So a flood of idle, silent or slow-header connections can
// neither exhaust the file descriptors nor lock out /healthz and real
// clients.
//
// It learns each connection's state from http.Server.ConnState, which
// reports a connection active once it has read a request's headers.
type connLimiter struct {
	net.Listener
	max int

	mu    sync.Mutex
	open  int // connections open, and the slot taken for the next
	conns map[net.Conn]*trackedConn
	idle  connList // keep-alive connections between requests, longest idle first
	fresh connList // connections that have sent nothing yet, oldest first

	room      chan struct{} // a connection closed
	closed    chan struct{}
	closeOnce sync.Once
	reclaimed atomic.Int64
}

type trackedConn struct {
	conn       net.Conn
	opened     time.Time
	list       *connList
	prev, next *trackedConn
}

func newConnLimiter(ln net.Listener, max int) *connLimiter {
	return &connLimiter{Listener: ln, max: max, conns: map[net.Conn]*trackedConn{},
		room: make(chan struct{}, 1), closed: make(chan struct{})}
}

// Accept waits for room, then accepts a connection.
func (l *connLimiter) Accept() (net.Conn, error) {
	if err := l.makeRoom(); err != nil {
		return nil, err
	}
	c, err := l.Listener.Accept()
	if err != nil {
		l.mu.Lock()
		l.open--
		l.mu.Unlock()
		return nil, err
	}
	l.mu.Lock()
	t := &trackedConn{conn: c, opened: time.Now()}
	l.conns[c] = t
	l.fresh.push(t)
	l.mu.Unlock()
	return c, nil
}

// Close stops accepting.
func (l *connLimiter) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// makeRoom takes a slot for the next connection, closing an idle or silent
// one at the limit, or waiting for one to close when every connection is
// busy.
func (l *connLimiter) makeRoom() error {
	for {
		l.mu.Lock()
		if l.open < l.max {
			l.open++
			l.mu.Unlock()
			return nil
		}
		victim, wait := l.pickVictim(time.Now())
		if victim != nil {
			l.forget(victim) // its slot passes to the new connection
			l.open++
			l.mu.Unlock()
			l.reclaimed.Add(1)
			victim.conn.Close()
			return nil
		}
		l.mu.Unlock()
		if err := l.waitForRoom(wait); err != nil {
			return err
		}
	}
}

// waitForRoom waits until a connection closes, the listener closes, or,
// when wait is positive, wait has passed.
func (l *connLimiter) waitForRoom(wait time.Duration) error {
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-l.room:
	case <-timeout:
	case <-l.closed:
		return net.ErrClosed
	}
	return nil
}

// pickVictim returns the connection to close for a new one, or how long
// until the oldest silent connection may be closed (0: none to wait for).
// The caller holds mu.
func (l *connLimiter) pickVictim(now time.Time) (*trackedConn, time.Duration) {
	if l.idle.head != nil {
		return l.idle.head, 0
	}
	t := l.fresh.head
	if t == nil {
		return nil, 0
	}
	if age := now.Sub(t.opened); age < reclaimNewAfter {
		return nil, reclaimNewAfter - age
	}
	return t, 0
}

// forget stops tracking t and frees its slot; the caller holds mu.
func (l *connLimiter) forget(t *trackedConn) {
	if t.list != nil {
		t.list.remove(t)
	}
	delete(l.conns, t.conn)
	l.open--
}

// connState follows each connection through http.Server's states.
func (l *connLimiter) connState(c net.Conn, state http.ConnState) {
	l.mu.Lock()
	t := l.conns[c]
	if t == nil { // reclaimed already
		l.mu.Unlock()
		return
	}
	switch state {
	case http.StateActive:
		if t.list != nil {
			t.list.remove(t)
		}
	case http.StateIdle:
		if t.list != nil {
			t.list.remove(t)
		}
		l.idle.push(t)
	case http.StateClosed, http.StateHijacked:
		l.forget(t)
		l.mu.Unlock()
		select {
		case l.room <- struct{}{}:
		default:
		}
		return
	}
	l.mu.Unlock()
}

// Open is the number of connections open now (not counting the slot the
// accept loop holds for the next one).
func (l *connLimiter) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// connList is an intrusive doubly linked list of connections, oldest at the
// head, so that the limiter finds its victim and moves a connection between
// states in constant time however many are open.
type connList struct{ head, tail *trackedConn }

func (q *connList) push(t *trackedConn) {
	t.list, t.prev, t.next = q, q.tail, nil
	if q.tail != nil {
		q.tail.next = t
	} else {
		q.head = t
	}
	q.tail = t
}

func (q *connList) remove(t *trackedConn) {
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		q.head = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	} else {
		q.tail = t.prev
	}
	t.list, t.prev, t.next = nil, nil, nil
}
