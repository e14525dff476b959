package store

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/sealed"
)

// A running store meets values sealed under a key it was not started with
// whenever a key is rotated while it runs: the rotation writes the new key
// into the key file, then seals under it. Rather than fail every request
// that needs such a value until a restart, the store reads its key source
// again (the key file it was started with, or the environment) and opens
// the value with what it finds. It does so at most once per
// DefaultKeyRereadInterval, one reader at a time, so that requests that need
// a key the source does not hold cannot make it read the disk in a loop.

// DefaultKeyRereadInterval is how often, at most, a store reads its key
// source again when it lacks a key.
const DefaultKeyRereadInterval = time.Second

// keySource holds a store's secret keys and reads them again from where
// they came from when a value needs one it lacks.
type keySource struct {
	where    string                          // where the keys come from, for messages: "file /path", "TOLLGATE_SECRET_KEY"
	read     func() (*sealed.Keyring, error) // reads the source; nil when there is none to read again
	first    *sealed.Keyring                 // keys kept first whatever the source holds (a rotation's new key)
	interval time.Duration
	now      func() time.Time // the wall clock the interval is measured on

	keys  atomic.Pointer[sealed.Keyring]
	mu    sync.Mutex // one reader of the source at a time
	last  time.Time  // when the source was last read again
	reads atomic.Int64
}

// current returns the keys held now.
func (s *keySource) current() *sealed.Keyring { return s.keys.Load() }

// holding returns keys that hold the key id, reading the source again if
// the keys held lack it and the source was not read within the interval.
// Callers that arrive while another reads wait for it, and use what it
// found.
func (s *keySource) holding(id string) (*sealed.Keyring, error) {
	if keys := s.current(); keys.Has(id) {
		return keys, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := s.current()
	if keys.Has(id) {
		return keys, nil
	}
	var readErr error
	if now := s.now(); s.read != nil && (s.last.IsZero() || now.Sub(s.last) >= s.interval) {
		s.last = now
		keys, readErr = s.reload()
	}
	if keys.Has(id) {
		return keys, nil
	}
	return nil, s.missing(id, readErr)
}

// reload reads the source, now, and holds its keys first, then those held
// before: a key the source no longer lists may still open values a
// rotation has not re-sealed yet. The caller holds mu, and has checked that
// there is a source to read.
func (s *keySource) reload() (*sealed.Keyring, error) {
	s.reads.Add(1)
	fresh, err := s.read()
	if err != nil {
		return s.current(), err
	}
	if s.first != nil {
		fresh = s.first.With(fresh)
	}
	if held := s.current(); held != nil {
		fresh = fresh.With(held)
	}
	s.keys.Store(fresh)
	return fresh, nil
}

// missing is the error for a value sealed under a key the source does not
// hold. The client is told only that the server cannot serve the request
// yet; the cause, for the log, names the key and where the server looked.
func (s *keySource) missing(id string, readErr error) error {
	cause := fmt.Errorf("the store holds secrets sealed under key %s that %s does not hold; give every server the new key", id, s.where)
	if readErr != nil {
		cause = fmt.Errorf("%w (reading it again failed: %v)", cause, readErr)
	}
	return &fault.Error{Kind: fault.Unavailable, Err: cause,
		Message: "this server has not been given the current secret key, which the request needs; try again later"}
}

// newKeySource returns the source origin names (as Config.secretKeys found
// it) holding keys.
func newKeySource(cfg Config, keys *sealed.Keyring, origin keyOrigin) *keySource {
	s := &keySource{where: origin.where, read: origin.read, first: cfg.NewSecretKeys, interval: cfg.KeyRereadInterval, now: time.Now}
	if s.interval <= 0 {
		s.interval = DefaultKeyRereadInterval
	}
	s.keys.Store(keys)
	return s
}

// ReloadSecretKeys reads the store's key source again at once, whatever the
// interval, as a rotation does after writing a new key into the key file:
// from then on the store holds the source's keys first, then those it held.
func (db *DB) ReloadSecretKeys() error {
	s := db.keys
	if s.read == nil {
		return errors.New("the store's secret keys have no source to read again")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.reload()
	return err
}
