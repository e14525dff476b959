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
	"regexp"
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

// AccessKey is a SigV4 credential pair belonging to an account's root user,
// or, with Session set, temporary credentials of a role session.
type AccessKey struct {
	ID        string // AKIA (ASIA for a session) followed by 16 characters
	Secret    string // 40 characters
	AccountID string
	CreatedAt time.Time
	Role      *RoleSession // nil for an account's own keys
}

// RoleSession is what temporary credentials are: a role session of the
// account until they expire, either limited to one license
// (sts:AssumeRoleWithWebIdentity with a license token) or issued to an
// instance (its metadata service's credentials, with the account's full
// rights, until the instance terminates). Tollgate has no IAM: the role is
// a name, and what the session may do is fixed (see Principal.License).
type RoleSession struct {
	// Token is the session token requests carry in X-Amz-Security-Token;
	// the store keeps only its hash, so a session read back has none, and
	// TokenHash instead.
	Token     string
	TokenHash string
	RoleArn   string
	Name      string // the role session name
	License   string // the one license the credentials may use; "" for an instance's
	Expires   time.Time
	// Instance is the instance the credentials were issued to; "" for a
	// license token's. InstanceEnded, set by the store when it reads the
	// key, says that the instance has terminated (or is gone): the
	// credentials no longer work.
	Instance      string
	InstanceEnded bool
}

// Revoked reports whether the session stopped working before its expiry,
// and why.
func (s *RoleSession) Revoked() (string, bool) {
	if s.Instance != "" && s.InstanceEnded {
		return "instance " + s.Instance + " has terminated", true
	}
	return "", false
}

// Principal is the authenticated caller of a request.
type Principal struct {
	AccountID   string
	AccessKeyID string
	// RoleArn and SessionName name the role session of temporary
	// credentials; empty for an account's own keys.
	RoleArn, SessionName string
	// License, when set, is the only license the caller may use, through
	// the few operations a license token's credentials allow.
	License string
}

// ARN is the caller's identity as GetCallerIdentity reports it: the
// account's root, or the assumed role's session.
func (p Principal) ARN() string {
	if p.RoleArn != "" {
		return "arn:aws:sts::" + p.AccountID + ":assumed-role/" + RoleName(p.RoleArn) + "/" + p.SessionName
	}
	return "arn:aws:iam::" + p.AccountID + ":root"
}

// PrincipalOf is the principal a key acts as.
func PrincipalOf(k AccessKey) Principal {
	p := Principal{AccountID: k.AccountID, AccessKeyID: k.ID}
	if s := k.Role; s != nil {
		p.RoleArn, p.SessionName, p.License = s.RoleArn, s.Name, s.License
	}
	return p
}

// roleARN is an IAM role's ARN: the account, and the role's path and name.
var roleARN = regexp.MustCompile(`^arn:aws:iam::(\d{12}):role/((?:[\x21-\x7e]+/)*[\w+=,.@-]{1,64})$`)

// RoleAccount returns the account of an IAM role's ARN, and false when arn
// is not one.
func RoleAccount(arn string) (string, bool) {
	m := roleARN.FindStringSubmatch(arn)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// RoleName is the name of the role an ARN names (its last path element).
func RoleName(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

// Store is what the account service needs from storage.
type Store interface {
	// CreateAccount stores a new account with its first key; Conflict if
	// the account ID or key ID is taken.
	CreateAccount(ctx context.Context, a Account, key AccessKey) error
	GetAccount(ctx context.Context, id string) (Account, error)
	ListAccounts(ctx context.Context) ([]Account, error)
	// CreateAccessKey adds a key; NotFound if the account does not exist.
	CreateAccessKey(ctx context.Context, key AccessKey) error
	// GetAccessKey returns an account's key or a role session's temporary
	// one (Role set, with TokenHash and no Token); NotFound if neither.
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
	// CreateSessionKey stores temporary credentials (key.Role set),
	// keeping only the hash of the session token.
	CreateSessionKey(ctx context.Context, key AccessKey) error
	// ReuseInstanceSessionKey returns the newest temporary credentials of
	// the instance fresh.Role.Instance, of fresh's account and role, that
	// expire after reuseUntil (with their TokenHash, and no Token); if
	// there are none it stores fresh, as CreateSessionKey does, and returns
	// it. Concurrent calls for one instance reuse one session. Conflict if
	// fresh's key ID is taken.
	ReuseInstanceSessionKey(ctx context.Context, fresh AccessKey, reuseUntil time.Time) (AccessKey, error)
	// DeleteExpiredSessionKeys deletes at most limit temporary credentials
	// that expired at or before cutoff, and says how many.
	DeleteExpiredSessionKeys(ctx context.Context, cutoff time.Time, limit int) (int, error)
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
	// signIns slows down guessing of passwords (signinlimit.go).
	signIns signInLimiter
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

// Role session limits: AWS's bounds on DurationSeconds, and the largest a role
// allows by default (MaxSessionDuration), which the role AWS documents for
// license tokens keeps.
const (
	MinRoleSessionDuration     = 15 * time.Minute
	MaxRoleSessionDuration     = time.Hour
	DefaultRoleSessionDuration = time.Hour
)

// RoleSessionInput asks for temporary credentials of a role session.
type RoleSessionInput struct {
	AccountID string
	RoleArn   string
	Name      string
	License   string
	Duration  time.Duration
}

// Validate checks the input.
func (in RoleSessionInput) Validate() error {
	acct, ok := RoleAccount(in.RoleArn)
	switch {
	case !ok:
		return fault.New(fault.Invalid, "%q is not an IAM role ARN such as arn:aws:iam::123456789012:role/name", clip(in.RoleArn))
	case acct != in.AccountID:
		return fault.New(fault.Invalid, "role %s is not in account %s", clip(in.RoleArn), in.AccountID)
	case in.Name == "" || in.License == "":
		return fault.New(fault.Invalid, "a session needs a name and a license")
	case in.Duration < MinRoleSessionDuration || in.Duration > MaxRoleSessionDuration:
		return fault.New(fault.Invalid, "a role session lasts between %s and %s, not %s", MinRoleSessionDuration, MaxRoleSessionDuration, in.Duration)
	}
	return nil
}

// CreateRoleSession issues temporary credentials: an ASIA key, its secret
// and a session token, valid until the returned key's Role.Expires.
func (s *Service) CreateRoleSession(ctx context.Context, in RoleSessionInput) (AccessKey, error) {
	if err := in.Validate(); err != nil {
		return AccessKey{}, err
	}
	now := s.clock.Now()
	var err error
	for range maxIDAttempts {
		key := s.newKey(in.AccountID, now)
		key.ID = "ASIA" + key.ID[len("AKIA"):]
		key.Role = &RoleSession{Token: s.randomString(secretAlphabet, roleTokenLength), RoleArn: in.RoleArn, Name: in.Name,
			License: in.License, Expires: now.Add(in.Duration)}
		if err = s.store.CreateSessionKey(ctx, key); err == nil {
			return key, nil
		}
		if !fault.Is(err, fault.Conflict) {
			return AccessKey{}, err
		}
	}
	return AccessKey{}, err
}

// roleTokenLength is the length of a role session's token: long, as AWS's
// are, and random enough to be a secret on its own.
const roleTokenLength = 256

// DeleteExpiredRoleSessions deletes, in batches, the temporary credentials
// that expired more than an hour before now, and says how many.
func (s *Service) DeleteExpiredRoleSessions(ctx context.Context) (int, error) {
	cutoff := s.clock.Now().Add(-time.Hour)
	total := 0
	for {
		n, err := s.store.DeleteExpiredSessionKeys(ctx, cutoff, 1000)
		total += n
		if err != nil || n < 1000 {
			return total, err
		}
	}
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
