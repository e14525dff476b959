// Package subscription is buyers' sign-ups to sellers' products: their
// status, the charges due at sign-up and the refunds due at cancellation,
// the licenses contract sign-ups are issued, and the one entitlement check
// that every launch, checkout and metering call asks: is this account
// entitled to this product code (and instance type) now.
package subscription

import (
	"context"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/money"
)

// Status is a subscription's state.
type Status string

// The statuses.
const (
	// Pending: signed up, not yet usable (a contract whose license is
	// being issued).
	Pending Status = "pending"
	// Active: entitled.
	Active Status = "active"
	// Suspended: access turned off for non-payment until the balance is
	// paid (the billing issue sets it).
	Suspended Status = "suspended"
	// Cancelled: ended by the buyer or the operator; final.
	Cancelled Status = "cancelled"
)

// Subscription is one buyer's sign-up to one product.
type Subscription struct {
	ID          string // "sub-" and 17 lowercase hex digits
	Buyer       string
	Seller      string
	ProductID   string
	ProductCode string
	Kind        catalog.Kind
	// OfferID is the private offer signed up through; empty for the
	// public price plan.
	OfferID string
	Status  Status
	// PriceVersion is the product's price version at sign-up (public
	// plan); charges name the version that produced them.
	PriceVersion int
	// Annual is the number of annual subscriptions bought per instance
	// type; each covers one running instance of that type for the term.
	Annual map[string]int64
	// Contract is what a contract sign-up bought; nil otherwise.
	Contract *ContractTerms
	// LicenseArn is the license a contract sign-up was issued.
	LicenseArn  string
	StartedAt   time.Time
	TrialEndsAt time.Time // zero without a free trial
	// TermEndsAt ends an annual, contract or private-offer term; zero for
	// open-ended plans. Contract entitlement ends with it; annual
	// coverage ends with it and hourly charges take over.
	TermEndsAt  time.Time
	CancelledAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ContractTerms is what a contract sign-up bought.
type ContractTerms struct {
	Duration   catalog.Duration
	Quantities map[string]int64 // Configurable dimension -> units
	Tier       string           // the Tiered dimension's tier; "" if none
}

// ChargeKind says what a charge is for.
type ChargeKind string

// The charge kinds recorded by sign-up and cancellation; the billing issue
// adds usage and instance-hours.
const (
	ChargeSignUpFee   ChargeKind = "sign-up-fee"
	ChargeMonthlyFee  ChargeKind = "monthly-fee"
	ChargeAnnualFee   ChargeKind = "annual-fee"
	ChargeContractFee ChargeKind = "contract-fee"
	ChargeInstallment ChargeKind = "installment"
	ChargeRefund      ChargeKind = "refund"
)

// Charge is a billable item: what the billing issue invoices. Amount is
// negative for refunds.
type Charge struct {
	ID             string // "chg-" and 17 lowercase hex digits
	SubscriptionID string
	Buyer          string
	Seller         string
	ProductID      string
	ProductCode    string
	OfferID        string
	// PriceVersion is the price version the charge was rated at.
	PriceVersion int
	Kind         ChargeKind
	Description  string
	Quantity     int64
	UnitPrice    money.Amount
	Amount       money.Amount
	PeriodStart  time.Time
	PeriodEnd    time.Time
	// DueAt is when it falls due: at sign-up, or an installment's date.
	DueAt     time.Time
	CreatedAt time.Time
}

// Store is what subscriptions need from storage. Getters return
// fault.NotFound when nothing matches.
type Store interface {
	// Update runs fn in one transaction, durable when it returns nil.
	Update(ctx context.Context, fn func(Tx) error) error
	GetSubscription(ctx context.Context, id string) (Subscription, error)
	// ListByBuyer and ListBySeller return at most limit subscriptions whose
	// ID sorts after after, in ID order; productID "" means all.
	ListByBuyer(ctx context.Context, buyer, productID, after string, limit int) ([]Subscription, error)
	ListBySeller(ctx context.Context, seller, productID, after string, limit int) ([]Subscription, error)
	// ForAccountAndCode returns an account's subscriptions to a product
	// code that are not cancelled: the entitlement check's one read.
	ForAccountAndCode(ctx context.Context, account, code string) ([]Subscription, error)
	Charges(ctx context.Context, subscriptionID string) ([]Charge, error)
	// Epoch is a counter every change of a subscription's status raises;
	// entitlement caches on other replicas compare it to drop what changed.
	Epoch(ctx context.Context) (int64, error)
}

// Tx is a write transaction.
type Tx interface {
	// Now is the transaction's one time.
	Now() time.Time
	Subscription(id string) (Subscription, error)
	// PutSubscription inserts or replaces a subscription, and raises the
	// epoch.
	PutSubscription(s Subscription) error
	// LiveSubscriptions returns the buyer's subscriptions to a product that
	// are not cancelled.
	LiveSubscriptions(buyer, productID string) ([]Subscription, error)
	AddCharge(c Charge) error
	Charges(subscriptionID string) ([]Charge, error)
}
