// Package account holds accounts and their access keys: who may call
// Tollgate and as whom. An account is a 12-digit AWS-style account; it can
// sell, buy, or both. Access keys are the AWS-style credential pairs that
// SigV4 requests are signed with.
package account

import (
	"context"
	"crypto/rand"
	"io"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
)

// Account is a customer of the platform.
type Account struct {
	ID        string // 12 decimal digits
	Name      string
	Email     string
	Operator  bool // may change platform settings
	CreatedAt time.Time
}

// AccessKey is a SigV4 credential pair belonging to an account's root user.
type AccessKey struct {
	ID        string // AKIA followed by 16 characters
	Secret    string // 40 characters
	AccountID string
	CreatedAt time.Time
}

// Principal is the authenticated caller of a request.
type Principal struct {
	AccountID   string
	AccessKeyID string
}

// ARN is the caller's identity as GetCallerIdentity reports it.
func (p Principal) ARN() string { return "arn:aws:iam::" + p.AccountID + ":root" }

// Store is what the account service needs from storage.
type Store interface {
	// CreateAccount stores a new account with its first key; Conflict if
	// the account ID or key ID is taken.
	CreateAccount(ctx context.Context, a Account, key AccessKey) error
	GetAccount(ctx context.Context, id string) (Account, error)
	ListAccounts(ctx context.Context) ([]Account, error)
	// CreateAccessKey adds a key; NotFound if the account does not exist.
	CreateAccessKey(ctx context.Context, key AccessKey) error
	GetAccessKey(ctx context.Context, id string) (AccessKey, error)
	DeleteAccessKey(ctx context.Context, id string) error

	// SetPassword stores an account's password hash, replacing any;
	// NotFound if the account does not exist.
	SetPassword(ctx context.Context, accountID, hash string, at time.Time) error
	// PasswordHash returns an account's password hash; NotFound if the
	// account does not exist or has no password.
	PasswordHash(ctx context.Context, accountID string) (string, error)

	// CreateSession stores a new session; NotFound if its account does
	// not exist.
	CreateSession(ctx context.Context, s Session) error
	// GetSession returns a session by ID; NotFound if there is none.
	GetSession(ctx context.Context, id string) (Session, error)
	// TouchSession records a session's use at lastSeen; NotFound if there
	// is no such session.
	TouchSession(ctx context.Context, id string, lastSeen time.Time) error
	// DeleteSession ends a session; NotFound if there is none.
	DeleteSession(ctx context.Context, id string) error
	// DeleteAccountSessions ends every session of an account.
	DeleteAccountSessions(ctx context.Context, accountID string) error
	// DeleteEndedSessions deletes the sessions that expire at or before
	// now, or were last seen at or before idleSince, and returns how many.
	DeleteEndedSessions(ctx context.Context, now, idleSince time.Time) (int, error)
}

// Service creates accounts and keys.
type Service struct {
	store  Store
	clock  clock.Clock
	random io.Reader
	// hash is the cost new passwords are hashed at; dummyHash a hash of
	// nothing at that cost, which sign-ins for accounts without a password
	// are checked against (checkPassword).
	hash      hashParams
	dummyHash func() string
}

// NewService returns an account service that draws identifiers, salts and
// session tokens from crypto/rand.
func NewService(store Store, clk clock.Clock) *Service {
	s := &Service{store: store, clock: clk, random: rand.Reader, hash: defaultHashParams}
	// Made on first use: most services (admin commands, tests) never
	// check a password.
	s.dummyHash = sync.OnceValue(func() string {
		return s.hash.encode(s.randomBytes(MinPasswordLength), s.randomBytes(s.hash.saltLen))
	})
	return s
}

// CreateAccountInput describes a new account.
type CreateAccountInput struct {
	Name     string
	Email    string
	Operator bool
}

// Validate checks the input.
func (in CreateAccountInput) Validate() error {
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return fault.New(fault.Invalid, "account name is required")
	}
	if !utf8.ValidString(in.Name) || len(in.Name) > 256 {
		return fault.New(fault.Invalid, "account name must be valid UTF-8 of at most 256 bytes")
	}
	if in.Email != "" {
		// ParseAddress also takes "Name <addr>" and comments; only a bare
		// address is stored, so the parsed address must be the whole input.
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 320 {
			return fault.New(fault.Invalid, "invalid email address %q: give a bare address such as billing@example.com", in.Email)
		}
	}
	return nil
}

// maxIDAttempts bounds retries when a random identifier collides.
const maxIDAttempts = 8

// Create makes an account and its first access key.
func (s *Service) Create(ctx context.Context, in CreateAccountInput) (Account, AccessKey, error) {
	if err := in.Validate(); err != nil {
		return Account{}, AccessKey{}, err
	}
	now := s.clock.Now()
	var err error
	for range maxIDAttempts {
		a := Account{ID: s.newAccountID(), Name: strings.TrimSpace(in.Name), Email: in.Email, Operator: in.Operator, CreatedAt: now}
		key := s.newKey(a.ID, now)
		if err = s.store.CreateAccount(ctx, a, key); err == nil {
			return a, key, nil
		}
		if !fault.Is(err, fault.Conflict) {
			return Account{}, AccessKey{}, err
		}
	}
	return Account{}, AccessKey{}, err
}

// CreateKey adds an access key to an existing account.
func (s *Service) CreateKey(ctx context.Context, accountID string) (AccessKey, error) {
	if !ValidID(accountID) {
		return AccessKey{}, fault.New(fault.Invalid, "invalid account ID %q: want 12 digits", accountID)
	}
	var err error
	for range maxIDAttempts {
		key := s.newKey(accountID, s.clock.Now())
		if err = s.store.CreateAccessKey(ctx, key); err == nil {
			return key, nil
		}
		if !fault.Is(err, fault.Conflict) {
			return AccessKey{}, err
		}
	}
	return AccessKey{}, err
}

// DeleteKey removes an access key; requests signed with it fail from then on.
func (s *Service) DeleteKey(ctx context.Context, keyID string) error {
	if keyID == "" {
		return fault.New(fault.Invalid, "access key ID is required")
	}
	return s.store.DeleteAccessKey(ctx, keyID)
}

// List returns every account.
func (s *Service) List(ctx context.Context) ([]Account, error) { return s.store.ListAccounts(ctx) }

// Get returns one account.
func (s *Service) Get(ctx context.Context, id string) (Account, error) {
	return s.store.GetAccount(ctx, id)
}

// ValidID reports whether id is 12 decimal digits.
func ValidID(id string) bool {
	if len(id) != 12 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

func (s *Service) newAccountID() string {
	b := s.randomBytes(12)
	id := make([]byte, 12)
	for i := range b {
		id[i] = '0' + b[i]%10
	}
	if id[0] == '0' { // account IDs that start with 0 confuse spreadsheets
		id[0] = '1' + b[0]%9
	}
	return string(id)
}

const (
	keyAlphabet    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

func (s *Service) newKey(accountID string, now time.Time) AccessKey {
	return AccessKey{
		ID:        "AKIA" + s.randomString(keyAlphabet, 16),
		Secret:    s.randomString(secretAlphabet, 40),
		AccountID: accountID,
		CreatedAt: now,
	}
}

func (s *Service) randomString(alphabet string, n int) string {
	b := s.randomBytes(n)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)] // both alphabets divide 256
	}
	return string(b)
}

func (s *Service) randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.random, b); err != nil {
		panic("account: system randomness unavailable: " + err.Error())
	}
	return b
}
