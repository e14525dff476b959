package subscription

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
)

// SubscribeInput signs a buyer up to a product, or to a private offer.
type SubscribeInput struct {
	ProductCode string
	OfferID     string
	// Annual is the number of annual subscriptions to buy per instance
	// type (image products with annual prices); none means hourly.
	Annual map[string]int64
	// Contract is a contract product's choices.
	Contract *ContractInput
	// ClientToken makes a retried sign-up return the first one's answer.
	ClientToken string
}

// ContractInput is a contract sign-up's choices.
type ContractInput struct {
	// Duration is one of the product's durations ("P12M"); it may be left
	// out when there is only one.
	Duration string
	// Quantities are units of Configurable dimensions; 0 buys none.
	Quantities map[string]int64
	// Tier is one tier of the product's Tiered dimension, required when it
	// has one.
	Tier string
}

// purchase is what a sign-up buys under: the product, and the private offer
// and its prices, or the public plan and its version.
type purchase struct {
	product catalog.Product
	offer   *catalog.Offer
	pricing catalog.Pricing
	version int
}

// Subscribe signs buyer up: records the subscription and the charges due
// at sign-up, and for a contract issues its license, after which the
// subscription is active.
//
// A contract sign-up is recorded pending, with its license work flagged
// (Subscription.LicensePending), then the license is issued with the
// subscription's ID as its client token, then the subscription is made
// active with the license's ARN. A crash in between leaves a pending
// subscription with the flag set: Service.SyncLicenses, which the server
// runs every minute, or a retry of the sign-up with the same client token,
// issues the license again, which the token makes return the one already
// issued if it was, and finishes the sign-up.
func (s *Service) Subscribe(ctx context.Context, buyer string, in SubscribeInput) (Subscription, error) {
	if err := in.Validate(); err != nil {
		return Subscription{}, err
	}
	buy, err := s.purchaseFor(ctx, buyer, in)
	if err != nil {
		return Subscription{}, err
	}
	terms, err := checkChoices(in, buy.pricing, buy.product.Code, buy.offer)
	if err != nil {
		return Subscription{}, err
	}
	var sub Subscription
	err = s.store.Update(ctx, func(tx Tx) error {
		var err error
		sub, err = s.signUp(tx, buyer, in, buy, terms)
		return err
	})
	if err != nil {
		return Subscription{}, err
	}
	s.checker.Invalidate(Key{Account: sub.Buyer, ProductCode: sub.ProductCode})
	return s.syncLicense(ctx, sub)
}

// purchaseFor finds what in buys: a private offer made to buyer, or a
// product by its code.
func (s *Service) purchaseFor(ctx context.Context, buyer string, in SubscribeInput) (purchase, error) {
	if in.OfferID == "" {
		p, err := s.catalog.ProductByCode(ctx, in.ProductCode)
		if fault.Is(err, fault.NotFound) {
			return purchase{}, fault.New(fault.NotFound, "product code %s does not exist; check the purchase URL", in.ProductCode)
		}
		return purchase{product: p, pricing: p.Pricing, version: p.PriceVersion}, err
	}
	// Only the offer's named buyers may see it: to anyone else, its seller
	// included, it does not exist.
	o, err := s.catalog.GetOffer(ctx, buyer, in.OfferID)
	if err == nil && !slices.Contains(o.Buyers, buyer) {
		err = fault.New(fault.NotFound, "not a buyer of the offer")
	}
	if fault.Is(err, fault.NotFound) {
		return purchase{}, fault.New(fault.NotFound, "offer %s does not exist", in.OfferID)
	}
	if err != nil {
		return purchase{}, err
	}
	p, err := s.catalog.GetProduct(ctx, o.ProductID)
	if err != nil {
		return purchase{}, err
	}
	if in.ProductCode != "" && in.ProductCode != p.Code {
		return purchase{}, fault.InvalidFields([]fault.FieldError{{Field: "ProductCode", Code: "mismatch",
			Message: "offer " + o.ID + " is for product code " + p.Code + ", not " + in.ProductCode}})
	}
	return purchase{product: p, offer: &o, pricing: o.Pricing}, nil
}

// signUp records a sign-up in tx: the retried one if the client token names
// one, a conflict if the buyer has a live subscription to the product,
// otherwise a new subscription and its charges.
func (s *Service) signUp(tx Tx, buyer string, in SubscribeInput, buy purchase, terms *ContractTerms) (Subscription, error) {
	if in.ClientToken != "" {
		prev, err := tx.SubscriptionByClientToken(buyer, in.ClientToken)
		switch {
		case err == nil && (prev.ProductID != buy.product.ID || prev.OfferID != offerID(buy.offer)):
			return Subscription{}, fault.New(fault.Conflict, "ClientToken %q was used for another sign-up, %s to product %s", in.ClientToken, prev.ID, prev.ProductCode)
		case err == nil:
			return prev, nil
		case !fault.Is(err, fault.NotFound):
			return Subscription{}, err
		}
	}
	live, err := tx.LiveSubscriptions(buyer, buy.product.ID)
	if err != nil {
		return Subscription{}, err
	}
	if len(live) > 0 {
		return Subscription{}, fault.New(fault.Conflict, "account %s already has subscription %s (%s) to product %s; cancel or change it instead",
			buyer, live[0].ID, live[0].Status, buy.product.Code)
	}
	now := tx.Now()
	if o := buy.offer; o != nil && !o.ExpiresAt.IsZero() && !now.Before(o.ExpiresAt) {
		return Subscription{}, fault.New(fault.Conflict, "offer %s expired at %s", o.ID, o.ExpiresAt.Format(time.RFC3339))
	}
	sub := newSubscription(buyer, in, buy, terms, now)
	charges, err := signUpCharges(sub, buy.pricing, buy.offer, now)
	if err != nil {
		return Subscription{}, err
	}
	if err := tx.PutSubscription(sub); err != nil {
		return Subscription{}, err
	}
	for _, c := range charges {
		if err := tx.AddCharge(c); err != nil {
			return Subscription{}, err
		}
	}
	return sub, nil
}

// newSubscription is the subscription a sign-up at now makes: active at
// once, or pending while a contract's license is issued; with its trial and
// its term (12 months for annual subscriptions, the duration for contracts,
// the offer's for private offers).
func newSubscription(buyer string, in SubscribeInput, buy purchase, terms *ContractTerms, now time.Time) Subscription {
	p := buy.product
	sub := Subscription{
		ID: newID("sub-"), Buyer: buyer, Seller: p.Seller, ProductID: p.ID, ProductCode: p.Code, Kind: p.Kind,
		OfferID: offerID(buy.offer), Status: Active, PriceVersion: buy.version, Annual: maps.Clone(in.Annual), Contract: terms,
		ClientToken: in.ClientToken, StartedAt: now, CreatedAt: now, UpdatedAt: now,
	}
	if terms != nil {
		sub.Status, sub.LicensePending = Pending, true
	}
	if days := buy.pricing.FreeTrialDays; days > 0 {
		sub.TrialEndsAt = now.Add(time.Duration(days) * day)
	}
	termMonths := 0
	switch {
	case buy.offer != nil && buy.offer.DurationMonths > 0:
		termMonths = buy.offer.DurationMonths
	case terms != nil:
		termMonths = months(terms.Duration)
	case len(in.Annual) > 0:
		termMonths = annualTermMonths
	}
	if termMonths > 0 {
		sub.TermEndsAt = now.AddDate(0, termMonths, 0)
	}
	return sub
}

func offerID(o *catalog.Offer) string {
	if o == nil {
		return ""
	}
	return o.ID
}
