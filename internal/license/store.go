package license

import (
	"context"
	"time"
)

// Store is what the license manager needs from storage.
type Store interface {
	// Update runs fn in one transaction that is durable when Update returns
	// nil, and leaves no trace when it returns an error.
	Update(ctx context.Context, fn func(Tx) error) error
	// UpdateLicense is Update for a transaction that changes a license or
	// what its pools hold (checkouts, check-ins, extensions, new versions):
	// such transactions on one license run one after another, so that a
	// hot license serializes its writers instead of failing them, and each
	// one's time (Tx.Now) is no earlier than that of the one before.
	UpdateLicense(ctx context.Context, licenseArn string, fn func(Tx) error) error

	GetLicense(ctx context.Context, arn, version string) (License, error)
	// ListLicensesByOwner and ListGrantsByGrantor return at most limit items
	// whose ARN sorts after after, in ARN order: an issuer may hold millions.
	// They may leave out items that narrow excludes.
	ListLicensesByOwner(ctx context.Context, owner, after string, limit int, narrow Narrowing) ([]License, error)
	ListLicenseVersions(ctx context.Context, arn string) ([]License, error)
	GetGrant(ctx context.Context, arn, version string) (Grant, error)
	ListGrantsByGrantor(ctx context.Context, account, after string, limit int, narrow Narrowing) ([]Grant, error)
	ListGrantsByGrantee(ctx context.Context, account string) ([]Grant, error)
	// IssuedLicenses returns the licenses owner issued for a product and
	// issuer to beneficiary, in ARN order: the lookup of a checkout by
	// beneficiary.
	IssuedLicenses(ctx context.Context, owner, productSKU, fingerprint, beneficiary string) ([]License, error)
	// GranteeProductGrants returns a grantee's grants for one product and
	// issuer, the lookup every checkout makes.
	GranteeProductGrants(ctx context.Context, grantee, productSKU, fingerprint string) ([]Grant, error)
	// Usage returns, per entitlement, the units drawn in the renewal
	// period that starts at period (rules.PeriodStart; the zero time for a
	// license that does not renew) and those held by seats live at now.
	Usage(ctx context.Context, licenseArn string, period, now time.Time) (map[string]Usage, error)
	// Checkout returns a checkout by its consumption token.
	Checkout(ctx context.Context, token string) (Checkout, error)
	// IssuerKey returns one issuer's key; fault.NotFound if it has none.
	IssuerKey(ctx context.Context, fingerprint string) (IssuerKey, error)
	// IssuerFingerprints returns the fingerprints of all issuer keys, in
	// order, reading no private key.
	IssuerFingerprints(ctx context.Context) ([]string, error)
	ListTokens(ctx context.Context, account string) ([]Token, error)
	GetTokenBySecret(ctx context.Context, secret string) (Token, error)
	// Tags returns a resource's tags, by key.
	Tags(ctx context.Context, resourceArn string) ([]Tag, error)
	// Token returns a refresh token by its ID, without its secret.
	Token(ctx context.Context, id string) (Token, error)
	// Idempotent returns the stored answer to a request with a client token.
	Idempotent(ctx context.Context, account, operation, clientToken string) (Answer, error)
}

// Answer is what a request with a client token answered: the hash of the
// request, the response, and when it was kept (the zero time for answers
// kept before times were).
type Answer struct {
	RequestHash string
	Response    []byte
	At          time.Time
}

// Narrowing says, by list filter name (ProductSKU, Status, ...) or
// NarrowARN, which values an item of a listing may have: a store may use any
// part of it to read fewer items, and ignore the rest, because the service
// filters what it gets again.
type Narrowing map[string][]string

// NarrowARN names, in a Narrowing, the ARNs a request listed.
const NarrowARN = "ARN"

// Tx is a write transaction. Getters return fault.NotFound when nothing
// matches.
type Tx interface {
	// Now is the transaction's time, read once from the clock when it
	// started: every decision inside one transaction uses it, never a
	// clock read of its own.
	Now() time.Time

	License(arn string) (License, error)
	// PutLicense stores a new version of a license (or its first).
	PutLicense(l License) error
	// SetLicenseStatus changes the current version's status in place.
	SetLicenseStatus(arn string, status LicenseStatus) error
	Grant(arn string) (Grant, error)
	PutGrant(g Grant) error
	// CountGrants says how many grants of a license are neither deleted
	// nor rejected.
	CountGrants(licenseArn string) (int, error)
	// GranteeGrants returns the grantee's grants for a product and issuer.
	GranteeGrants(grantee, productSKU, fingerprint string) ([]Grant, error)

	// Usage is Store.Usage of one entitlement.
	Usage(licenseArn, name string, period, now time.Time) (Usage, error)
	// AddDrawn adds to what was drawn in the renewal period that starts at
	// period; what earlier periods drew is kept.
	AddDrawn(licenseArn, name string, period time.Time, quantity int64) error
	AddSeat(s Seat) error
	DeleteSeats(token string) error
	ExtendSeats(token string, expires time.Time) error

	Checkout(token string) (Checkout, error)
	PutCheckout(c Checkout) error
	DeleteCheckout(token string) error

	// Idempotent returns what a request with this client token answered.
	Idempotent(account, operation, clientToken string) (Answer, error)
	PutIdempotent(account, operation, clientToken, requestHash string, response []byte, at time.Time) error
	// DeleteIdempotent forgets the answer to a client token, whose window
	// has passed.
	DeleteIdempotent(account, operation, clientToken string) error
	// DateClientTokens sets the storage time of at most limit answers that
	// have none (kept before times were) to at, and says how many.
	DateClientTokens(at time.Time, limit int) (int, error)
	// DeleteClientTokens deletes at most limit answers stored at or before
	// cutoff, oldest first, and says how many.
	DeleteClientTokens(cutoff time.Time, limit int) (int, error)
	// DeleteExpiredCheckouts deletes at most limit floating (not PERPETUAL)
	// checkouts that expired at or before cutoff, with their seats, and says
	// how many.
	DeleteExpiredCheckouts(cutoff time.Time, limit int) (int, error)

	IssuerKey(fingerprint string) (IssuerKey, error)
	PutIssuerKey(k IssuerKey) error

	// Tags returns a resource's tags, by key.
	Tags(resourceArn string) ([]Tag, error)
	// PutTag sets a tag of a resource, replacing the value of its key.
	PutTag(resourceArn string, t Tag) error
	// DeleteTag removes a resource's tag of key, if it has one.
	DeleteTag(resourceArn, key string) error

	PutToken(t Token) error
	Token(id string) (Token, error)
	// SetTokenStatus changes a refresh token's status (DELETED, when its
	// owner deletes it: it stays listed, and buys nothing).
	SetTokenStatus(id, status string) error
}

// IssuerKey is the RSA key an issuer signs checkout tokens with.
type IssuerKey struct {
	Fingerprint   string
	PrivateKeyPEM []byte
	CreatedAt     time.Time
}

// Token is a refresh token created with CreateToken.
type Token struct {
	TokenId         string
	TokenType       string // RefreshTokenType
	LicenseArn      string
	TokenProperties []string
	RoleArns        []string
	Status          string // TokenAvailable or TokenDeleted

	Account string
	Secret  string // given once, at creation; the store keeps only its hash
	Expires time.Time
}
