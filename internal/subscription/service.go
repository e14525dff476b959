package subscription

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/license"
)

// Licenser issues the licenses contract sign-ups buy, from the marketplace
// issuer, with the grant to the buyer already active; revises them when the
// contract changes, and deactivates them when it is cancelled.
// license.Service implements it.
type Licenser interface {
	IssueMarketplaceLicense(ctx context.Context, in license.MarketplaceLicenseInput) (license.MarketplaceLicense, error)
	ReviseMarketplaceLicense(ctx context.Context, arn string, in license.MarketplaceLicenseInput) (license.MarketplaceLicense, error)
	DeactivateMarketplaceLicense(ctx context.Context, seller, arn string) error
}

// Operators tells whether an account is a platform operator.
type Operators interface {
	IsOperator(ctx context.Context, account string) (bool, error)
}

// Limits, in one table; applied when a subscription is made or changed.
const (
	// MaxAnnualQuantity bounds the annual subscriptions of one instance
	// type bought at once.
	MaxAnnualQuantity = 10_000
	// MaxContractQuantity bounds the units of one contract dimension, far
	// below what a license counts (license.MaxQuantity).
	MaxContractQuantity = 1_000_000_000
	// MaxClientTokenLength bounds a sign-up's client token.
	MaxClientTokenLength = 64
	// maxKeyLength bounds an instance type, dimension or tier a request
	// names: longer ones name nothing the catalog holds.
	maxKeyLength = 256
	// DefaultPageSize and MaxPageSize: a listing's page.
	DefaultPageSize = 100
	MaxPageSize     = 100
	// AnnualRefundWindow is how long after sign-up a cancelled annual
	// subscription (not from a private offer) is refunded in full.
	AnnualRefundWindow = 48 * time.Hour
	// annualTermMonths is an annual subscription's term.
	annualTermMonths = 12
)

// Service is subscriptions.
type Service struct {
	store     Store
	catalog   *catalog.Service
	licenses  Licenser
	operators Operators
	clock     clock.Clock
	checker   *Checker
}

// Option configures a Service.
type Option func(*Service, *CheckerConfig)

// WithChecker configures the service's entitlement check (its freshness
// clock, refresh interval and cache size).
func WithChecker(cfg CheckerConfig) Option {
	return func(_ *Service, c *CheckerConfig) { *c = cfg }
}

// NewService returns the subscription service. Its entitlement check
// measures the staleness of its cache on the wall clock unless an option
// says otherwise (CheckerConfig.Fresh).
func NewService(store Store, cat *catalog.Service, lic Licenser, ops Operators, clk clock.Clock, opts ...Option) *Service {
	s := &Service{store: store, catalog: cat, licenses: lic, operators: ops, clock: clk}
	var cfg CheckerConfig
	for _, o := range opts {
		o(s, &cfg)
	}
	s.checker = NewChecker(store, cat, cfg)
	return s
}

// Checker returns the one entitlement check.
func (s *Service) Checker() *Checker { return s.checker }

// newID returns prefix and 17 random lowercase hex digits.
func newID(prefix string) string {
	b := make([]byte, 9)
	if _, err := rand.Read(b); err != nil {
		panic("subscription: system randomness unavailable: " + err.Error())
	}
	return prefix + hex.EncodeToString(b)[:17]
}

// visible says whether caller may see sub: its buyer, the seller of its
// product, or an operator.
func (s *Service) visible(ctx context.Context, caller string, sub Subscription) (bool, error) {
	if caller != "" && (caller == sub.Buyer || caller == sub.Seller) {
		return true, nil
	}
	return s.operators.IsOperator(ctx, caller)
}
