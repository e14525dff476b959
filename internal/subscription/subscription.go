// Package subscription is buyers' sign-ups to sellers' products: their
// status, the charges due at sign-up and the refunds due at cancellation,
// the licenses contract sign-ups are issued, and the one entitlement check
// that every launch, checkout and metering call asks: is this account
// entitled to this product code (and instance type) now.
//
// Money rules, in one place (each is applied where its charge is built, in
// charges.go):
//
//   - Every charge is quantity × unit price with checked arithmetic, except
//     the two prorated ones below, whose Amount is the prorated part of
//     Quantity × UnitPrice. Charges carry micro-unit amounts; rounding to
//     the currency's places happens once, when the billing issue invoices.
//   - The one-time sign-up fee is charged at every sign-up, again after a
//     cancellation.
//   - The first monthly fee is prorated by the days left in the calendar
//     month (UTC), the day of sign-up counted whole: signing up on the 14th
//     of a 31-day month charges 18/31 of the fee, for the period up to the
//     1st of the next month. Within a free trial there is no first fee; the
//     billing issue charges from the trial's end.
//   - Cancelling refunds the unused part of the monthly fee of the period
//     the cancellation falls in: the whole days after the day of
//     cancellation (that day is used), at the rate the period was charged.
//   - Annual subscriptions are charged upfront, price × quantity per
//     instance type, for 12 months; cancelled within 48 hours of sign-up,
//     and not from a private offer, they are refunded in full.
//   - Contracts are charged upfront: Σ quantity × unit price for the chosen
//     duration, plus the chosen tier's price; no refund on cancellation.
//   - Private offers price from the offer, for the offer's term; when the
//     offer has an installment schedule, its installments are charged (due
//     at their offsets from sign-up) instead of the upfront charge.
//     Installments stay due after a cancellation: the offer is a commitment.
//   - Public-plan charges name the price version that produced them; offer
//     charges name the offer (and price version 0).
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
	// plan), or after a contract change the version that priced it;
	// charges name the version that produced them. Zero for offers.
	PriceVersion int
	// Annual is the number of annual subscriptions bought per instance
	// type; each covers one running instance of that type for the term.
	Annual map[string]int64
	// Contract is what a contract sign-up bought; nil otherwise.
	Contract *ContractTerms
	// LicenseArn is the license a contract sign-up was issued.
	LicenseArn string
	// LicenseRevision counts the changes of the contract since sign-up:
	// the license should be at version LicenseRevision+1.
	LicenseRevision int
	// LicensePending says the license does not yet match the subscription:
	// it is being issued (Pending), revised (after a change) or
	// deactivated (Cancelled). The step that does it clears the flag in the
	// same transaction that records its result; a crash before then leaves
	// the flag for Service.SyncLicenses (or a retried request) to finish,
	// idempotently.
	LicensePending bool
	// ClientToken is the token the sign-up was made with ("" if none).
	ClientToken string
	StartedAt   time.Time
	TrialEndsAt time.Time // zero without a free trial
	// TermEndsAt ends an annual, contract or private-offer term; zero for
	// open-ended plans. Contract and offer entitlement ends with it; annual
	// coverage ends with it and hourly charges take over.
	TermEndsAt  time.Time
	CancelledAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// AccessUntil is when entitlement ends: with the term for contracts and
// private offers, never (zero) for annual subscriptions of the public plan
// (after their term, hourly prices apply) and open-ended plans.
func (s Subscription) AccessUntil() time.Time {
	if s.Contract != nil || s.OfferID != "" {
		return s.TermEndsAt
	}
	return time.Time{}
}

// Access is what the entitlement check reads of a live subscription.
type Access struct {
	SubscriptionID string
	Status         Status
	Until          time.Time // Subscription.AccessUntil
}

// Live says whether the subscription is not cancelled.
func (s Subscription) Live() bool { return s.Status != Cancelled }

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
	// PriceVersion is the price version the charge was rated at (0 for
	// charges of a private offer, which name OfferID).
	PriceVersion int
	Kind         ChargeKind
	Description  string
	Quantity     int64
	UnitPrice    money.Amount
	// Amount is Quantity × UnitPrice, or for a prorated charge (a first
	// monthly fee, a refund) the prorated part of it.
	Amount      money.Amount
	PeriodStart time.Time
	PeriodEnd   time.Time
	// DueAt is when it falls due: at sign-up, or an installment's date.
	DueAt time.Time
	// Refunds names the charge a refund gives money back for.
	Refunds   string
	CreatedAt time.Time
}

// Key names what the entitlement check caches: one account's
// subscriptions to one product code.
type Key struct {
	Account, ProductCode string
}

// Changes is what changed in the store after an epoch.
type Changes struct {
	// Epoch is the store's epoch now.
	Epoch int64
	// Keys are the (buyer, product code) pairs whose subscriptions changed
	// after the epoch asked about, up to Epoch.
	Keys []Key
	// Complete is false when Keys leaves some out: more changed than the
	// limit asked for, or the log of changes no longer reaches back that
	// far. A cache then drops everything.
	Complete bool
}

// Store is what subscriptions need from storage. Getters return
// fault.NotFound when nothing matches.
type Store interface {
	// Update runs fn in one transaction, durable when it returns nil.
	Update(ctx context.Context, fn func(Tx) error) error
	GetSubscription(ctx context.Context, id string) (Subscription, error)
	// ListByBuyer, ListBySeller and ListAll return at most limit
	// subscriptions whose ID sorts after after, in ID order; productID ""
	// means all.
	ListByBuyer(ctx context.Context, buyer, productID, after string, limit int) ([]Subscription, error)
	ListBySeller(ctx context.Context, seller, productID, after string, limit int) ([]Subscription, error)
	ListAll(ctx context.Context, productID, after string, limit int) ([]Subscription, error)
	// ForAccountAndCode returns what the entitlement check needs of an
	// account's subscriptions to a product code that are not cancelled:
	// its one read.
	ForAccountAndCode(ctx context.Context, account, code string) ([]Access, error)
	// LicensePending returns at most limit subscriptions whose license
	// work is unfinished (Subscription.LicensePending), in ID order.
	LicensePending(ctx context.Context, limit int) ([]Subscription, error)
	// Charges returns a subscription's charges in the order they were
	// added.
	Charges(ctx context.Context, subscriptionID string) ([]Charge, error)
	// Changes returns the epoch, and the keys whose subscriptions changed
	// after epoch after: at most limit of them (Changes.Complete).
	Changes(ctx context.Context, after int64, limit int) (Changes, error)
}

// Tx is a write transaction.
type Tx interface {
	// Now is the transaction's one time.
	Now() time.Time
	Subscription(id string) (Subscription, error)
	// SubscriptionByClientToken returns the buyer's subscription made with
	// a client token.
	SubscriptionByClientToken(buyer, clientToken string) (Subscription, error)
	// PutSubscription inserts or replaces a subscription, and raises the
	// epoch, recording its (buyer, product code) as changed. A second
	// subscription of a buyer to a product that is not cancelled is
	// fault.Conflict, as is a client token used twice by one buyer.
	PutSubscription(s Subscription) error
	// LiveSubscriptions returns the buyer's subscriptions to a product that
	// are not cancelled.
	LiveSubscriptions(buyer, productID string) ([]Subscription, error)
	// AddCharge adds a charge after the subscription's others.
	AddCharge(c Charge) error
	Charges(subscriptionID string) ([]Charge, error)
}
