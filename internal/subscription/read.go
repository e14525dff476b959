package subscription

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/tollgate/tollgate/internal/fault"
)

// Get returns a subscription to its buyer, to the seller of its product,
// or to an operator; to anyone else it does not exist.
func (s *Service) Get(ctx context.Context, caller, id string) (Subscription, error) {
	if !subscriptionIDFmt.MatchString(id) {
		return Subscription{}, errNoSubscription(id)
	}
	sub, err := s.store.GetSubscription(ctx, id)
	if fault.Is(err, fault.NotFound) {
		return Subscription{}, errNoSubscription(id)
	}
	if err != nil {
		return Subscription{}, err
	}
	ok, err := s.visible(ctx, caller, sub)
	if err != nil {
		return Subscription{}, err
	}
	if !ok {
		return Subscription{}, errNoSubscription(id)
	}
	return sub, nil
}

func errNoSubscription(id string) error {
	return fault.New(fault.NotFound, "subscription %s does not exist", clip(id))
}

// Role says whose side a listing takes.
type Role string

// The roles.
const (
	AsBuyer    Role = "buyer"
	AsSeller   Role = "seller"
	AsOperator Role = "operator"
)

// ListInput pages through subscriptions.
type ListInput struct {
	// Role: AsBuyer (the default) lists the caller's own; AsSeller its
	// products' subscribers; AsOperator every subscription (operators
	// only).
	Role      Role
	ProductID string // only this product's; "" for all
	Next      string // the opaque token of the previous page
	Limit     int    // DefaultPageSize when 0, at most MaxPageSize
}

// Page is one page of subscriptions; Next is empty on the last.
type Page struct {
	Subscriptions []Subscription
	Next          string
}

// Validate checks the listing's parameters.
func (in ListInput) Validate() error {
	var p problems
	switch in.Role {
	case "", AsBuyer, AsSeller, AsOperator:
	default:
		p.add("Role", "invalid_value", "must be buyer, seller or operator")
	}
	if in.Limit < 0 || in.Limit > MaxPageSize {
		p.add("Limit", "out_of_range", "must be between 1 and %d", MaxPageSize)
	}
	if _, ok := decodePageToken(in.Next); !ok {
		p.add("Next", "invalid_token", "is not a page token this listing returned")
	}
	if len(in.ProductID) > maxKeyLength {
		p.add("ProductID", "too_long", "must be at most %d bytes", maxKeyLength)
	}
	return p.err()
}

// pageTokenPrefix marks the tokens of this listing, which hold the last ID
// of the page before.
const pageTokenPrefix = "subs1:"

func encodePageToken(lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(pageTokenPrefix + lastID))
}

func decodePageToken(token string) (string, bool) {
	if token == "" {
		return "", true
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", false
	}
	id, ok := strings.CutPrefix(string(b), pageTokenPrefix)
	return id, ok && subscriptionIDFmt.MatchString(id)
}

// List returns the caller's subscriptions, its products' subscribers, or
// for an operator every subscription.
func (s *Service) List(ctx context.Context, caller string, in ListInput) (Page, error) {
	if err := in.Validate(); err != nil {
		return Page{}, err
	}
	after, _ := decodePageToken(in.Next)
	limit := in.Limit
	if limit == 0 {
		limit = DefaultPageSize
	}
	var subs []Subscription
	var err error
	switch in.Role {
	case "", AsBuyer:
		subs, err = s.store.ListByBuyer(ctx, caller, in.ProductID, after, limit+1)
	case AsSeller:
		subs, err = s.store.ListBySeller(ctx, caller, in.ProductID, after, limit+1)
	case AsOperator:
		var op bool
		if op, err = s.operators.IsOperator(ctx, caller); err == nil && !op {
			err = fault.New(fault.Forbidden, "only an operator can list every subscription")
		}
		if err == nil {
			subs, err = s.store.ListAll(ctx, in.ProductID, after, limit+1)
		}
	}
	if err != nil {
		return Page{}, err
	}
	page := Page{Subscriptions: subs}
	if len(subs) > limit {
		page.Subscriptions = subs[:limit]
		page.Next = encodePageToken(subs[limit-1].ID)
	}
	return page, nil
}

// Charges returns a subscription's charges to whoever may Get it, in the
// order they were made.
func (s *Service) Charges(ctx context.Context, caller, id string) ([]Charge, error) {
	if _, err := s.Get(ctx, caller, id); err != nil {
		return nil, err
	}
	return s.store.Charges(ctx, id)
}

// Confirmation answers a seller's "is this customer still subscribed".
type Confirmation struct {
	// Subscribed is the entitlement check's answer now.
	Subscribed bool
	// Status is that of the account's live subscription, or else of its
	// newest; "" if it never subscribed.
	Status         Status
	SubscriptionID string
}

// Confirm tells a seller whether account is subscribed to one of the
// seller's product codes (seed 001). Other sellers' codes are NotFound.
func (s *Service) Confirm(ctx context.Context, seller, account, code string) (Confirmation, error) {
	p, err := s.catalog.ProductByCode(ctx, code)
	if err == nil && p.Seller != seller {
		err = fault.New(fault.NotFound, "another seller's product")
	}
	if fault.Is(err, fault.NotFound) {
		return Confirmation{}, fault.New(fault.NotFound, "product code %s is not one of your products", clip(code))
	}
	if err != nil {
		return Confirmation{}, err
	}
	d, err := s.checker.Check(ctx, Query{Account: account, ProductCode: code, At: s.clock.Now()})
	if err != nil {
		return Confirmation{}, err
	}
	newest, err := s.newestSubscription(ctx, account, p.ID)
	if err != nil {
		return Confirmation{}, err
	}
	return Confirmation{Subscribed: d.Entitled, Status: newest.Status, SubscriptionID: newest.ID}, nil
}

// newestSubscription returns the account's live subscription to a product,
// or else its newest; the zero value if it has none.
func (s *Service) newestSubscription(ctx context.Context, account, productID string) (Subscription, error) {
	var newest Subscription
	after := ""
	for {
		subs, err := s.store.ListByBuyer(ctx, account, productID, after, MaxPageSize)
		if err != nil {
			return Subscription{}, err
		}
		for _, sub := range subs {
			if sub.Live() {
				return sub, nil
			}
			if newest.ID == "" || sub.CreatedAt.After(newest.CreatedAt) {
				newest = sub
			}
		}
		if len(subs) < MaxPageSize {
			return newest, nil
		}
		after = subs[len(subs)-1].ID
	}
}
