package store

import (
	"context"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/fault"
)

// SetPassword stores an account's password hash, replacing any.
func (s *Accounts) SetPassword(ctx context.Context, accountID, hash string, at time.Time) error {
	err := s.db.Update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`INSERT INTO account_passwords (account_id, hash, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (account_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at`,
			accountID, hash, at.UnixNano())
		return err
	})
	if fault.Is(err, fault.NotFound) {
		return fault.New(fault.NotFound, "account %s does not exist", accountID)
	}
	return err
}

// PasswordHash returns an account's password hash.
func (s *Accounts) PasswordHash(ctx context.Context, accountID string) (string, error) {
	var hash string
	err := s.db.classify(s.db.queryRow(ctx, `SELECT hash FROM account_passwords WHERE account_id = ?`, accountID).Scan(&hash))
	if fault.Is(err, fault.NotFound) {
		return "", fault.New(fault.NotFound, "account %s has no password", accountID)
	}
	return hash, err
}

// CreateSession stores a new console session.
func (s *Accounts) CreateSession(ctx context.Context, sess account.Session) error {
	err := s.db.Update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`INSERT INTO console_sessions (id, account_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			sess.ID, sess.AccountID, sess.CreatedAt.UnixNano(), sess.LastSeenAt.UnixNano(), sess.ExpiresAt.UnixNano())
		return err
	})
	if fault.Is(err, fault.NotFound) {
		return fault.New(fault.NotFound, "account %s does not exist", sess.AccountID)
	}
	return err
}

// GetSession returns a console session by ID.
func (s *Accounts) GetSession(ctx context.Context, id string) (account.Session, error) {
	var sess account.Session
	var created, seen, expires int64
	err := s.db.queryRow(ctx, `SELECT id, account_id, created_at, last_seen_at, expires_at FROM console_sessions WHERE id = ?`, id).
		Scan(&sess.ID, &sess.AccountID, &created, &seen, &expires)
	if err = s.db.classify(err); err != nil {
		if fault.Is(err, fault.NotFound) {
			return account.Session{}, fault.New(fault.NotFound, "no such session")
		}
		return account.Session{}, err
	}
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = fromNanos(created), fromNanos(seen), fromNanos(expires)
	return sess, nil
}

// TouchSession records a session's use. A touch never moves the time back:
// two requests that race record the later.
func (s *Accounts) TouchSession(ctx context.Context, id string, lastSeen time.Time) error {
	return s.db.Update(ctx, func(tx *Tx) error {
		res, err := tx.Exec(`UPDATE console_sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?`,
			lastSeen.UnixNano(), id, lastSeen.UnixNano())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		var one int
		if err := tx.QueryRow(`SELECT 1 FROM console_sessions WHERE id = ?`, id).Scan(&one); err != nil {
			if fault.Is(s.db.classify(err), fault.NotFound) {
				return fault.New(fault.NotFound, "no such session")
			}
			return err
		}
		return nil
	})
}

// DeleteSession ends a console session.
func (s *Accounts) DeleteSession(ctx context.Context, id string) error {
	return s.db.Update(ctx, func(tx *Tx) error {
		res, err := tx.Exec(`DELETE FROM console_sessions WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fault.New(fault.NotFound, "no such session")
		}
		return nil
	})
}

// DeleteAccountSessions ends every console session of an account.
func (s *Accounts) DeleteAccountSessions(ctx context.Context, accountID string) error {
	return s.db.Update(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`DELETE FROM console_sessions WHERE account_id = ?`, accountID)
		return err
	})
}

// DeleteEndedSessions deletes the sessions that have expired at now or sat
// unused since idleSince.
func (s *Accounts) DeleteEndedSessions(ctx context.Context, now, idleSince time.Time) (int, error) {
	var n int64
	err := s.db.Update(ctx, func(tx *Tx) error {
		res, err := tx.Exec(`DELETE FROM console_sessions WHERE expires_at <= ? OR last_seen_at <= ?`,
			now.UnixNano(), idleSince.UnixNano())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
