package license

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strconv"
	"time"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
)

// Operators tells whether an account is a platform operator, the only kind
// of account that may issue licenses in the marketplace's name.
type Operators interface {
	IsOperator(ctx context.Context, account string) (bool, error)
}

// Config configures the license manager.
type Config struct {
	// MarketplaceFingerprint identifies licenses the marketplace issues.
	MarketplaceFingerprint string
	// Sessions issues the temporary credentials AssumeRoleWithWebIdentity
	// gives for a license token; without it, that operation fails.
	Sessions Sessions
}

// Service is the license manager.
type Service struct {
	store     Store
	clock     clock.Clock
	operators Operators
	keys      *KeyRing
	cfg       Config
}

// NewService returns a license manager.
func NewService(store Store, clk clock.Clock, operators Operators, cfg Config) *Service {
	if cfg.MarketplaceFingerprint == "" {
		cfg.MarketplaceFingerprint = DefaultMarketplacePrint
	}
	return &Service{store: store, clock: clk, operators: operators, cfg: cfg, keys: NewKeyRing(store)}
}

// Keys returns the issuers' signing keys.
func (s *Service) Keys() *KeyRing { return s.keys }

// MarketplaceFingerprint is the fingerprint of marketplace-issued licenses.
func (s *Service) MarketplaceFingerprint() string { return s.cfg.MarketplaceFingerprint }

// Errors in the License Manager model's vocabulary.
func errNoEntitlements(format string, args ...any) error {
	return fault.Coded(fault.LimitExceeded, "NoEntitlementsAllowedException", format, args...)
}

func errInvalidParameter(format string, args ...any) error {
	return fault.Coded(fault.Invalid, "InvalidParameterValueException", format, args...)
}

func errNotFound(format string, args ...any) error {
	return fault.Coded(fault.NotFound, "ResourceNotFoundException", format, args...)
}

func errConflict(format string, args ...any) error {
	return fault.Coded(fault.Conflict, "ConflictException", format, args...)
}

func errValidation(format string, args ...any) error {
	return fault.Coded(fault.Invalid, "ValidationException", format, args...)
}

// errUnsupported refuses what AWS offers and Tollgate does not (AWS
// Organizations), with a code of Tollgate's own, which the model does not
// list: no code it lists says so.
func errUnsupported(format string, args ...any) error {
	return fault.Coded(fault.Invalid, "UnsupportedOperationException", format, args...)
}

func errAccessDenied(format string, args ...any) error {
	return fault.Coded(fault.Forbidden, "AccessDeniedException", format, args...)
}

// newID returns n random bytes in hex.
func newID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("license: system randomness unavailable: " + err.Error())
	}
	return hex.EncodeToString(b)
}

func licenseARN(owner string) string {
	return "arn:aws:license-manager::" + owner + ":license:l-" + newID(16)
}

func grantARN(grantor string) string {
	return "arn:aws:license-manager::" + grantor + ":grant:g-" + newID(16)
}

var principalARN = regexp.MustCompile(`^arn:aws:iam::(\d{12}):(root|user/.+|role/.+)$`)

// FingerprintFor returns the key fingerprint of licenses issued by account
// under issuer name.
func FingerprintFor(account, issuerName string) string {
	return "aws:" + account + ":" + issuerName + ":issuer-fingerprint"
}

func nextVersion(v string) string {
	n, _ := strconv.Atoi(v)
	return strconv.Itoa(n + 1)
}

// requestHash fingerprints a request for client-token idempotency: the
// SHA-256 of the input's JSON encoding (Go's field names; the encoding is
// only ever compared with itself). A change to an input type changes the
// fingerprints of its requests, so that a request retried across the
// change is refused as a reuse rather than answered wrongly.
func requestHash(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// idempotent runs fn once per (account, operation, client token): a repeat
// of the same request gets the first answer, without running fn again; a
// different request under a used token is refused. The answer is kept, as
// the JSON encoding of the output type, with the transaction's time, from
// which it ages out (ClientTokenRetention).
func idempotent[T any](tx Tx, account, operation, clientToken, hash string, fn func() (T, error)) (T, error) {
	return idempotentWithin(tx, 0, account, operation, clientToken, hash, fn)
}

// idempotentWithin is idempotent for an operation whose client tokens the
// model says are valid for window only (0: until the sweep deletes them):
// an answer older than that is forgotten, and the token is new again.
func idempotentWithin[T any](tx Tx, window time.Duration, account, operation, clientToken, hash string, fn func() (T, error)) (T, error) {
	prev, err := tx.Idempotent(account, operation, clientToken)
	if err == nil && lapsed(prev, window, tx.Now()) {
		if err := tx.DeleteIdempotent(account, operation, clientToken); err != nil {
			var zero T
			return zero, err
		}
		err = fault.New(fault.NotFound, "client token answer lapsed")
	}
	if out, found, err := storedAnswer[T](prev, err, clientToken, hash); found || err != nil {
		return out, err
	}
	out, err := fn()
	if err != nil {
		var zero T
		return zero, err
	}
	b, err := json.Marshal(out)
	if err != nil {
		var zero T
		return zero, fault.Wrap(err, "encode response")
	}
	return out, tx.PutIdempotent(account, operation, clientToken, hash, b, tx.Now())
}

// lapsed says whether a kept answer is older than window (never, for a
// window of 0 or an answer kept before times were).
func lapsed(a Answer, window time.Duration, now time.Time) bool {
	return window > 0 && !a.At.IsZero() && now.Sub(a.At) >= window
}

// replay answers a retried request from the stored answer, before any work:
// found is false when the client token is new.
func replay[T any](ctx context.Context, store Store, account, operation, clientToken, hash string) (out T, found bool, err error) {
	return replayWithin[T](ctx, store, 0, time.Time{}, account, operation, clientToken, hash)
}

// replayWithin is replay for an operation whose client tokens are valid
// for window only, as of now.
func replayWithin[T any](ctx context.Context, store Store, window time.Duration, now time.Time, account, operation, clientToken, hash string) (out T, found bool, err error) {
	prev, err := store.Idempotent(ctx, account, operation, clientToken)
	if err == nil && lapsed(prev, window, now) {
		return out, false, nil
	}
	return storedAnswer[T](prev, err, clientToken, hash)
}

// storedAnswer interprets a client-token lookup: not found (found false, no
// error), the stored answer to the same request, or an error for a token
// reused with a different request or a failed lookup.
func storedAnswer[T any](prev Answer, lookupErr error, clientToken, hash string) (out T, found bool, err error) {
	if lookupErr != nil {
		if fault.Is(lookupErr, fault.NotFound) {
			return out, false, nil
		}
		return out, false, lookupErr
	}
	if prev.RequestHash != hash {
		return out, true, errValidation("ClientToken %q was already used with different request parameters", clip(clientToken))
	}
	if err := json.Unmarshal(prev.Response, &out); err != nil {
		return out, true, fault.Wrap(err, "decode stored response")
	}
	return out, true, nil
}
