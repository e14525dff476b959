package account

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/tollgate/tollgate/internal/fault"
)

// Password lengths, in bytes of UTF-8.
//
// The floor of 12 bytes is there because a console password is the only
// thing between the web and an account that can publish products and
// subscribe, with no second factor: 12 characters chosen by a person resist
// online guessing and, hashed as below, offline guessing of a stolen store
// for far longer than the 8 NIST SP 800-63B allows at the least.
//
// The ceiling of 128 bytes bounds the work one sign-in request can make the
// server do (argon2id reads the whole password) and the size of the form
// field, while leaving room for any passphrase or password manager's
// output. Argon2id, unlike bcrypt, uses every byte: bcrypt ignores all past
// the 72nd, which would make a long passphrase weaker than it looks.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 128
)

// hashParams are argon2id's costs. DefaultHashParams are OWASP's
// recommendation for argon2id (19 MiB, 2 passes, 1 lane): about 30 ms of
// one core per sign-in, so a few concurrent sign-ins cannot starve a small
// server, and a stolen hash costs a guesser as much per guess. They are
// written into each stored hash, so raising them later leaves old hashes
// readable.
type hashParams struct {
	memoryKiB uint32
	passes    uint32
	lanes     uint8
	saltLen   int
	keyLen    uint32
}

// DefaultHashParams are the costs new passwords are hashed with.
var defaultHashParams = hashParams{memoryKiB: 19 * 1024, passes: 2, lanes: 1, saltLen: 16, keyLen: 32}

// SetPasswordInput sets an account's console password.
type SetPasswordInput struct {
	AccountID string
	Password  string
}

// Validate checks the input.
func (in SetPasswordInput) Validate() error {
	var problems []fault.FieldError
	if !ValidID(in.AccountID) {
		problems = append(problems, fault.FieldError{Field: "AccountId", Code: "invalid_account_id",
			Message: "give the account's 12-digit ID"})
	}
	if msg := passwordProblem(in.Password); msg != "" {
		problems = append(problems, fault.FieldError{Field: "Password", Code: "invalid_password", Message: msg})
	}
	return fault.InvalidFields(problems)
}

// passwordProblem says what is wrong with a new password, or "".
func passwordProblem(pw string) string {
	switch {
	case !utf8.ValidString(pw):
		return "the password must be valid UTF-8 text"
	case len(pw) < MinPasswordLength:
		return fmt.Sprintf("the password must be at least %d bytes long", MinPasswordLength)
	case len(pw) > MaxPasswordLength:
		return fmt.Sprintf("the password must be at most %d bytes long", MaxPasswordLength)
	}
	return ""
}

// SetPassword sets an account's console password, replacing any earlier
// one, and ends the account's console sessions: whoever knew the old
// password is signed out.
func (s *Service) SetPassword(ctx context.Context, in SetPasswordInput) (err error) {
	defer fault.Annotate(&err, "set the password of account %s", in.AccountID)
	if err := in.Validate(); err != nil {
		return err
	}
	hash := s.hash.encode([]byte(in.Password), s.randomBytes(s.hash.saltLen))
	if err := s.store.SetPassword(ctx, in.AccountID, hash, s.clock.Now()); err != nil {
		return err
	}
	return s.store.DeleteAccountSessions(ctx, in.AccountID)
}

// HasPassword reports whether an account has a console password.
func (s *Service) HasPassword(ctx context.Context, accountID string) (bool, error) {
	_, err := s.store.PasswordHash(ctx, accountID)
	if fault.Is(err, fault.NotFound) {
		return false, nil
	}
	return err == nil, err
}

// checkPassword reports whether pw is the account's password. It does the
// same work whether or not the account exists or has a password, comparing
// against a dummy hash then, so that the time a sign-in takes does not tell
// which accounts exist.
func (s *Service) checkPassword(ctx context.Context, accountID, pw string) (bool, error) {
	stored, err := s.store.PasswordHash(ctx, accountID)
	known := err == nil
	if err != nil && !fault.Is(err, fault.NotFound) {
		return false, err
	}
	if !known {
		stored = s.dummyHash()
	}
	ok, err := verifyPassword(stored, []byte(pw))
	if err != nil {
		return false, fault.Wrap(err, "read the stored password hash of account %s", accountID)
	}
	return ok && known, nil
}

// encode hashes pw with salt and returns it in the PHC string format that
// other argon2 tools read: $argon2id$v=19$m=...,t=...,p=...$salt$hash.
func (p hashParams) encode(pw, salt []byte) string {
	key := argon2.IDKey(pw, salt, p.passes, p.memoryKiB, p.lanes, p.keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memoryKiB, p.passes, p.lanes, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// verifyPassword hashes pw with the parameters and salt of encoded and
// compares the result in constant time.
func verifyPassword(encoded string, pw []byte) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey(pw, salt, p.passes, p.memoryKiB, p.lanes, p.keyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// maxHashMemoryKiB bounds the memory a stored hash may ask for (1 GiB), so
// that a corrupted row cannot make a sign-in allocate without limit.
const maxHashMemoryKiB = 1 << 20

func decodeHash(encoded string) (hashParams, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return hashParams{}, nil, nil, fmt.Errorf("not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return hashParams{}, nil, nil, fmt.Errorf("unsupported argon2 version %q", parts[2])
	}
	var p hashParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memoryKiB, &p.passes, &p.lanes); err != nil {
		return hashParams{}, nil, nil, fmt.Errorf("unreadable argon2 parameters %q", parts[3])
	}
	if p.memoryKiB == 0 || p.memoryKiB > maxHashMemoryKiB || p.passes == 0 || p.passes > 100 || p.lanes == 0 {
		return hashParams{}, nil, nil, fmt.Errorf("argon2 parameters out of range %q", parts[3])
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) == 0 || len(key) < 16 {
		return hashParams{}, nil, nil, fmt.Errorf("unreadable argon2 salt or key")
	}
	p.saltLen, p.keyLen = len(salt), uint32(len(key))
	return p, salt, key, nil
}
