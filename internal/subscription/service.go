package subscription

import (
	"context"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
)

// Licenser issues the licenses contract sign-ups buy, from the marketplace
// issuer, with the grant to the buyer already active.
type Licenser interface {
	IssueMarketplaceLicense(ctx context.Context, in license.MarketplaceLicenseInput) (license.MarketplaceLicense, error)
	ReviseMarketplaceLicense(ctx context.Context, arn string, in license.MarketplaceLicenseInput) (license.MarketplaceLicense, error)
}

// Operators tells whether an account is a platform operator.
type Operators interface {
	IsOperator(ctx context.Context, account string) (bool, error)
}

// Service is subscriptions.
type Service struct {
	store     Store
	catalog   *catalog.Service
	licenses  Licenser
	operators Operators
	clock     clock.Clock
	checker   *Checker
}

// NewService returns the subscription service.
func NewService(store Store, cat *catalog.Service, lic Licenser, ops Operators, clk clock.Clock) *Service {
	s := &Service{store: store, catalog: cat, licenses: lic, operators: ops, clock: clk}
	s.checker = NewChecker(store, clk)
	return s
}

// Checker returns the one entitlement check.
func (s *Service) Checker() *Checker { return s.checker }

// SubscribeInput signs a buyer up to a product, or to a private offer.
type SubscribeInput struct {
	ProductCode string
	OfferID     string
	Annual      map[string]int64
	Contract    *ContractInput
	// ClientToken makes a retried sign-up return the first one's answer.
	ClientToken string
}

// ContractInput is a contract sign-up's choices.
type ContractInput struct {
	Duration   string
	Quantities map[string]int64
	Tier       string
}

// Validate checks everything that needs no store.
func (in SubscribeInput) Validate() error {
	return fault.New(fault.Internal, "subscription: not built yet")
}

// Subscribe signs buyer up: records the subscription, the charges due at
// sign-up, and for a contract the license, active at once.
func (s *Service) Subscribe(ctx context.Context, buyer string, in SubscribeInput) (Subscription, error) {
	return Subscription{}, fault.New(fault.Internal, "subscription: not built yet")
}

// Get returns a subscription to its buyer, to the seller of its product,
// or to an operator; to anyone else it does not exist.
func (s *Service) Get(ctx context.Context, caller, id string) (Subscription, error) {
	return Subscription{}, fault.New(fault.Internal, "subscription: not built yet")
}

// Role says whose side a listing takes.
type Role string

// The roles.
const (
	AsBuyer  Role = "buyer"
	AsSeller Role = "seller"
)

// ListInput pages through subscriptions.
type ListInput struct {
	Role      Role // AsBuyer (default): the caller's own; AsSeller: its products' subscribers
	ProductID string
	Next      string
	Limit     int
}

// Page is one page of subscriptions.
type Page struct {
	Subscriptions []Subscription
	Next          string
}

// List returns the caller's subscriptions, or its products' subscribers.
func (s *Service) List(ctx context.Context, caller string, in ListInput) (Page, error) {
	return Page{}, fault.New(fault.Internal, "subscription: not built yet")
}

// Cancel ends a subscription at once (its buyer or an operator), and
// records the refund due.
func (s *Service) Cancel(ctx context.Context, caller, id string) (Subscription, error) {
	return Subscription{}, fault.New(fault.Internal, "subscription: not built yet")
}

// ChangeInput upgrades or renews a contract.
type ChangeInput struct {
	Contract *ContractInput
}

// Change upgrades or renews a contract subscription: its license gets a new
// version.
func (s *Service) Change(ctx context.Context, caller, id string, in ChangeInput) (Subscription, error) {
	return Subscription{}, fault.New(fault.Internal, "subscription: not built yet")
}

// Confirmation answers a seller's "is this customer still subscribed".
type Confirmation struct {
	Subscribed     bool
	Status         Status // of the newest subscription; "" if none
	SubscriptionID string
}

// Confirm tells a seller whether account is subscribed to one of the
// seller's product codes (seed 001). Other sellers' codes are NotFound.
func (s *Service) Confirm(ctx context.Context, seller, account, code string) (Confirmation, error) {
	return Confirmation{}, fault.New(fault.Internal, "subscription: not built yet")
}

// Charges returns a subscription's charges to whoever may Get it.
func (s *Service) Charges(ctx context.Context, caller, id string) ([]Charge, error) {
	return nil, fault.New(fault.Internal, "subscription: not built yet")
}

// Query is one entitlement question.
type Query struct {
	Account      string
	ProductCode  string
	InstanceType string // "" when the caller does not launch (checkout, metering)
	At           time.Time
}

// Decision is its answer.
type Decision struct {
	Entitled       bool
	Reason         string // why not, in a sentence for the error message
	SubscriptionID string
	ProductCode    string
}

// Checker is the one entitlement check, with its cache.
type Checker struct {
	store Store
	clock clock.Clock
}

// NewChecker returns an entitlement check over store.
func NewChecker(store Store, clk clock.Clock) *Checker { return &Checker{store: store, clock: clk} }

// Check answers q.
func (c *Checker) Check(ctx context.Context, q Query) (Decision, error) {
	return Decision{}, fault.New(fault.Internal, "subscription: not built yet")
}
