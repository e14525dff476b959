package account

import (
	"context"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
)

// The fake store's console methods: passwords and sessions in maps.

func (f *fakeStore) SetPassword(_ context.Context, accountID, hash string, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if _, ok := f.accounts[accountID]; !ok {
		return fault.New(fault.NotFound, "no account %s", accountID)
	}
	f.passwords[accountID] = hash
	return nil
}

func (f *fakeStore) PasswordHash(_ context.Context, accountID string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h, ok := f.passwords[accountID]
	if !ok {
		return "", fault.New(fault.NotFound, "no password for %s", accountID)
	}
	return h, nil
}

func (f *fakeStore) CreateSession(_ context.Context, s Session) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if _, ok := f.accounts[s.AccountID]; !ok {
		return fault.New(fault.NotFound, "no account %s", s.AccountID)
	}
	if _, ok := f.sessions[s.ID]; ok {
		return fault.New(fault.Conflict, "session exists")
	}
	f.sessions[s.ID] = s
	return nil
}

func (f *fakeStore) GetSession(_ context.Context, id string) (Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[id]
	if !ok {
		return Session{}, fault.New(fault.NotFound, "no session")
	}
	return s, nil
}

func (f *fakeStore) TouchSession(_ context.Context, id string, lastSeen time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.touches++
	s, ok := f.sessions[id]
	if !ok {
		return fault.New(fault.NotFound, "no session")
	}
	if lastSeen.After(s.LastSeenAt) {
		s.LastSeenAt = lastSeen
		f.sessions[id] = s
	}
	return nil
}

func (f *fakeStore) DeleteSession(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.sessions[id]; !ok {
		return fault.New(fault.NotFound, "no session")
	}
	delete(f.sessions, id)
	return nil
}

func (f *fakeStore) DeleteAccountSessions(_ context.Context, accountID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, s := range f.sessions {
		if s.AccountID == accountID {
			delete(f.sessions, id)
		}
	}
	return nil
}

func (f *fakeStore) DeleteEndedSessions(_ context.Context, now, idleSince time.Time) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for id, s := range f.sessions {
		if !s.ExpiresAt.After(now) || !s.LastSeenAt.After(idleSince) {
			delete(f.sessions, id)
			n++
		}
	}
	return n, nil
}
