package account

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
)

// Session is a console sign-in, as the store keeps it. The token the
// browser holds is never stored: ID is the hex SHA-256 of it, so that a
// copy of the store does not let anyone act as a signed-in user.
type Session struct {
	ID         string
	AccountID  string
	CreatedAt  time.Time
	LastSeenAt time.Time // when the session was last used, to within SessionTouchEvery
	ExpiresAt  time.Time // CreatedAt + SessionLifetime, whatever the use
}

// Session lifetimes. A session ends after SessionIdle without use, or
// SessionLifetime after sign-in however much it is used, whichever comes
// first; then the user signs in again. Twelve hours of idleness lets a
// working day pass without signing in again while ending a session left
// open overnight on a shared machine; seven days bounds what a stolen
// cookie is worth.
//
// Use is recorded at most once per SessionTouchEvery, so that reading pages
// does not write to the store on every request; the idle limit is therefore
// exact to within that minute.
const (
	SessionIdle       = 12 * time.Hour
	SessionLifetime   = 7 * 24 * time.Hour
	SessionTouchEvery = time.Minute
)

// sessionTokenBytes is the randomness in a session token: 256 bits, too
// many to guess.
const sessionTokenBytes = 32

// errBadSignIn is the one answer to a wrong account ID or password, so that
// the answer does not tell which was wrong, nor whether the account exists.
var errBadSignIn = fault.Coded(fault.Unauthenticated, "BadCredentials", "the account ID or the password is wrong")

// tooManySignIns is the answer to a sign-in that must wait after failed
// ones: Throttled, with the wait rounded up to whole seconds.
func tooManySignIns(wait time.Duration) error {
	secs := int64((wait + time.Second - 1) / time.Second)
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	return &fault.Error{Kind: fault.Throttled, Code: "TooManySignIns",
		Message: fmt.Sprintf("too many wrong passwords for this account ID: try again in %d %s", secs, unit)}
}

// errNoSession is the answer to a session token that is unknown, malformed,
// expired or signed out.
var errNoSession = fault.Coded(fault.Unauthenticated, "NoSession", "the session has ended or never existed: sign in again")

// SignInInput is a console sign-in.
type SignInInput struct {
	AccountID string
	Password  string
}

// Validate checks the input's shape; it says nothing about whether the
// account exists.
func (in SignInInput) Validate() error {
	var problems []fault.FieldError
	if !ValidID(in.AccountID) {
		problems = append(problems, fault.FieldError{Field: "AccountId", Code: "invalid_account_id",
			Message: "give your account's 12-digit ID"})
	}
	if in.Password == "" {
		problems = append(problems, fault.FieldError{Field: "Password", Code: "required", Message: "give your password"})
	} else if len(in.Password) > MaxPasswordLength {
		// No password this long was ever set; refusing it spares the hash.
		problems = append(problems, fault.FieldError{Field: "Password", Code: "too_long",
			Message: "passwords are at most 128 bytes long"})
	}
	return fault.InvalidFields(problems)
}

// SignIn checks an account's password and starts a session. It returns the
// session's token, which the console puts in its cookie and which Session
// later accepts, and the session. A wrong account ID or password is
// Unauthenticated, in the same words and after the same work either way.
func (s *Service) SignIn(ctx context.Context, in SignInInput) (string, Session, error) {
	if err := in.Validate(); err != nil {
		return "", Session{}, err
	}
	now := s.clock.Now()
	if wait := s.signIns.wait(in.AccountID, now); wait > 0 {
		return "", Session{}, tooManySignIns(wait)
	}
	ok, err := s.checkPassword(ctx, in.AccountID, in.Password)
	if err != nil {
		return "", Session{}, err
	}
	if !ok {
		s.signIns.failed(in.AccountID, now)
		return "", Session{}, errBadSignIn
	}
	s.signIns.succeeded(in.AccountID)
	token := base64.RawURLEncoding.EncodeToString(s.randomBytes(sessionTokenBytes))
	sess := Session{ID: sessionID(token), AccountID: in.AccountID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(SessionLifetime)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", Session{}, err
	}
	return token, sess, nil
}

// Session returns the principal of a session token: the lookup the console
// and the native API's cookie authentication share. An unknown, malformed,
// ended or expired token is Unauthenticated.
func (s *Service) Session(ctx context.Context, token string) (Principal, error) {
	id, ok := parseSessionToken(token)
	if !ok {
		return Principal{}, errNoSession
	}
	sess, err := s.store.GetSession(ctx, id)
	if fault.Is(err, fault.NotFound) {
		return Principal{}, errNoSession
	}
	if err != nil {
		return Principal{}, err
	}
	now := s.clock.Now()
	if !sess.live(now) {
		// Gone either way; a failed delete is left to the sweep.
		_ = s.store.DeleteSession(ctx, id)
		return Principal{}, errNoSession
	}
	if now.Sub(sess.LastSeenAt) >= SessionTouchEvery {
		if err := s.store.TouchSession(ctx, id, now); err != nil && !fault.Is(err, fault.NotFound) {
			return Principal{}, err
		}
	}
	return Principal{AccountID: sess.AccountID}, nil
}

// SignOut ends the session of a token. Ending one that has already ended,
// or never existed, is not an error: the user is signed out either way.
func (s *Service) SignOut(ctx context.Context, token string) error {
	id, ok := parseSessionToken(token)
	if !ok {
		return nil
	}
	err := s.store.DeleteSession(ctx, id)
	if fault.Is(err, fault.NotFound) {
		return nil
	}
	return err
}

// SweepSessions deletes the sessions that have ended by now, and returns
// how many. Session refuses them anyway; the sweep only keeps the store
// small.
func (s *Service) SweepSessions(ctx context.Context) (int, error) {
	now := s.clock.Now()
	return s.store.DeleteEndedSessions(ctx, now, now.Add(-SessionIdle))
}

// live reports whether the session may still be used at now.
func (sess Session) live(now time.Time) bool {
	return now.Before(sess.ExpiresAt) && now.Before(sess.LastSeenAt.Add(SessionIdle))
}

// parseSessionToken checks a token's shape and returns the ID it is stored
// under.
func parseSessionToken(token string) (string, bool) {
	if len(token) != base64.RawURLEncoding.EncodedLen(sessionTokenBytes) {
		return "", false
	}
	if _, err := base64.RawURLEncoding.DecodeString(token); err != nil {
		return "", false
	}
	return sessionID(token), true
}

func sessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
