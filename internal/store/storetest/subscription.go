package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/money"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/subscription"
)

var _ = register("Subscriptions", Subscriptions)

// NewSubscription returns a subscription fixture: the n-th, of buyer to
// product p (whose code is "code" and p), active, started at Epoch.
func NewSubscription(n int, buyer string, p int) subscription.Subscription {
	return subscription.Subscription{
		ID: fmt.Sprintf("sub-%017x", n), Buyer: buyer, Seller: "999999999999",
		ProductID: fmt.Sprintf("prod-%017x", p), ProductCode: fmt.Sprintf("code%021d", p), Kind: catalog.PaidImage,
		Status: subscription.Active, PriceVersion: 1, StartedAt: Epoch, CreatedAt: Epoch, UpdatedAt: Epoch,
	}
}

// PutSubscriptions stores subscriptions in one transaction.
func PutSubscriptions(t testing.TB, db *store.DB, subs ...subscription.Subscription) {
	t.Helper()
	NoError(t, db.Subscriptions().Update(t.Context(), func(tx subscription.Tx) error {
		for _, s := range subs {
			if err := tx.PutSubscription(s); err != nil {
				return err
			}
		}
		return nil
	}), "put subscriptions")
}

// Subscriptions tests subscription.Store.
func Subscriptions(t *testing.T, open Opener) {
	t.Run("PutGet", func(t *testing.T) { subscriptionPutGet(t, open(t)) })
	t.Run("OneLivePerProduct", func(t *testing.T) { subscriptionOneLive(t, open(t)) })
	t.Run("ClientToken", func(t *testing.T) { subscriptionClientToken(t, open(t)) })
	t.Run("Lists", func(t *testing.T) { subscriptionLists(t, open(t)) })
	t.Run("ForAccountAndCode", func(t *testing.T) { subscriptionForAccountAndCode(t, open(t)) })
	t.Run("Charges", func(t *testing.T) { subscriptionCharges(t, open(t)) })
	t.Run("Changes", func(t *testing.T) { subscriptionChanges(t, open(t)) })
}

func subscriptionPutGet(t *testing.T, db *store.DB) {
	s := db.Subscriptions()
	zone := time.FixedZone("X", -7*3600)
	full := NewSubscription(1, "111111111111", 1)
	full.Kind, full.OfferID, full.Status = catalog.Contract, "offer-00000000000000001", subscription.Pending
	full.Annual = map[string]int64{"m5.large": 2, "m5.xlarge": 1}
	full.Contract = &subscription.ContractTerms{Duration: "P12M", Quantities: map[string]int64{"Seats": 3, "Zero": 0}, Tier: "ProfessionalTier"}
	full.LicenseArn, full.LicenseRevision, full.LicensePending = "arn:aws:license-manager::999999999999:license:l-1", 2, true
	full.ClientToken = "token-1"
	full.StartedAt = Epoch.In(zone)
	full.TrialEndsAt, full.TermEndsAt = Epoch.Add(24*time.Hour), Epoch.AddDate(1, 0, 0)
	full.CancelledAt, full.UpdatedAt = Epoch.Add(time.Nanosecond), Epoch.Add(2*time.Nanosecond)
	bare := NewSubscription(2, "111111111111", 2)
	PutSubscriptions(t, db, full, bare)

	full.StartedAt = Epoch // the same instant, in UTC
	for _, want := range []subscription.Subscription{full, bare} {
		got, err := s.GetSubscription(t.Context(), want.ID)
		NoError(t, err, "get "+want.ID)
		Diff(t, "subscription "+want.ID, want, got)
		if got.StartedAt.Location() != time.UTC {
			t.Errorf("%s: StartedAt in %v, want UTC", want.ID, got.StartedAt.Location())
		}
	}
	if got, _ := s.GetSubscription(t.Context(), bare.ID); !got.TrialEndsAt.IsZero() || !got.CancelledAt.IsZero() || got.Annual != nil || got.Contract != nil {
		t.Errorf("bare subscription comes back with %+v", got)
	}

	// Put replaces what changes.
	changed := full
	changed.Status, changed.LicensePending, changed.LicenseRevision, changed.PriceVersion = subscription.Cancelled, false, 3, 4
	changed.Contract = &subscription.ContractTerms{Duration: "P24M", Quantities: map[string]int64{"Seats": 5}}
	changed.TermEndsAt, changed.UpdatedAt = Epoch.AddDate(2, 0, 0), Epoch.Add(time.Hour)
	changed.LicenseArn = "arn:aws:license-manager::999999999999:license:l-2"
	PutSubscriptions(t, db, changed)
	NoError(t, s.Update(t.Context(), func(tx subscription.Tx) error {
		got, err := tx.Subscription(full.ID)
		Diff(t, "replaced subscription, in a transaction", changed, got)
		return err
	}), "read in a transaction")

	_, err := s.GetSubscription(t.Context(), "sub-00000000000000099")
	WantKind(t, err, fault.NotFound)
	err = s.Update(t.Context(), func(tx subscription.Tx) error {
		_, err := tx.Subscription("sub-00000000000000099")
		return err
	})
	WantKind(t, err, fault.NotFound)
}

func subscriptionOneLive(t *testing.T, db *store.DB) {
	const buyer = "111111111111"
	first := NewSubscription(1, buyer, 1)
	PutSubscriptions(t, db, first)
	second := NewSubscription(2, buyer, 1)
	for _, status := range []subscription.Status{subscription.Active, subscription.Pending, subscription.Suspended} {
		second.Status = status
		err := db.Subscriptions().Update(t.Context(), func(tx subscription.Tx) error { return tx.PutSubscription(second) })
		WantKind(t, err, fault.Conflict)
	}
	// Another product, another buyer, or a cancelled one are fine.
	other := NewSubscription(3, buyer, 2)
	otherBuyer := NewSubscription(4, "222222222222", 1)
	cancelled := NewSubscription(5, buyer, 1)
	cancelled.Status = subscription.Cancelled
	PutSubscriptions(t, db, other, otherBuyer, cancelled)

	NoError(t, db.Subscriptions().Update(t.Context(), func(tx subscription.Tx) error {
		live, err := tx.LiveSubscriptions(buyer, first.ProductID)
		Diff(t, "live subscriptions", []subscription.Subscription{first}, live)
		return err
	}), "read live subscriptions")

	// Once the first is cancelled, a new one may start.
	first.Status = subscription.Cancelled
	second.Status = subscription.Active
	PutSubscriptions(t, db, first, second)
}

func subscriptionClientToken(t *testing.T, db *store.DB) {
	a := NewSubscription(1, "111111111111", 1)
	a.ClientToken = "same"
	b := NewSubscription(2, "222222222222", 1) // another buyer may use it
	b.ClientToken = "same"
	none := NewSubscription(3, "111111111111", 2)
	PutSubscriptions(t, db, a, b, none)

	again := NewSubscription(4, "111111111111", 3)
	again.ClientToken = "same"
	err := db.Subscriptions().Update(t.Context(), func(tx subscription.Tx) error { return tx.PutSubscription(again) })
	WantKind(t, err, fault.Conflict)

	NoError(t, db.Subscriptions().Update(t.Context(), func(tx subscription.Tx) error {
		got, err := tx.SubscriptionByClientToken(a.Buyer, "same")
		NoError(t, err, "by client token")
		Diff(t, "by client token", a, got)
		_, err = tx.SubscriptionByClientToken(a.Buyer, "other")
		WantKind(t, err, fault.NotFound)
		_, err = tx.SubscriptionByClientToken(a.Buyer, "")
		WantKind(t, err, fault.NotFound)
		return nil
	}), "read by client token")
}

func subscriptionLists(t *testing.T, db *store.DB) {
	s := db.Subscriptions()
	const buyer, other = "111111111111", "222222222222"
	var subs []subscription.Subscription
	for i := range 12 {
		// Stored out of ID order; buyers and products alternate; seller
		// 888888888888 sells product 3.
		n := (i * 5) % 12
		sub := NewSubscription(n, []string{buyer, other}[n%2], n%3)
		if n%3 == 2 {
			sub.Seller = "888888888888"
		}
		if n >= 6 { // a buyer's second subscription to a product is cancelled
			sub.Status = subscription.Cancelled
		}
		subs = append(subs, sub)
	}
	PutSubscriptions(t, db, subs...)
	ids := func(list []subscription.Subscription, err error) []string {
		t.Helper()
		NoError(t, err, "list")
		var out []string
		for _, s := range list {
			out = append(out, s.ID)
		}
		return out
	}
	id := func(ns ...int) []string {
		var out []string
		for _, n := range ns {
			out = append(out, fmt.Sprintf("sub-%017x", n))
		}
		return out
	}
	ctx := t.Context()
	Diff(t, "buyer's", id(0, 2, 4, 6, 8, 10), ids(s.ListByBuyer(ctx, buyer, "", "", 100)))
	Diff(t, "buyer's first page", id(0, 2), ids(s.ListByBuyer(ctx, buyer, "", "", 2)))
	Diff(t, "buyer's next page", id(4, 6), ids(s.ListByBuyer(ctx, buyer, "", id(2)[0], 2)))
	Diff(t, "buyer's for product 1", id(4, 10), ids(s.ListByBuyer(ctx, buyer, "prod-00000000000000001", "", 100)))
	Diff(t, "seller's", id(0, 1, 3, 4, 6, 7, 9, 10), ids(s.ListBySeller(ctx, "999999999999", "", "", 100)))
	Diff(t, "seller's for product 0 after sub 3", id(6, 9), ids(s.ListBySeller(ctx, "999999999999", "prod-00000000000000000", id(3)[0], 100)))
	Diff(t, "other seller's", id(2, 5, 8, 11), ids(s.ListBySeller(ctx, "888888888888", "", "", 100)))
	Diff(t, "nobody's", []string(nil), ids(s.ListBySeller(ctx, "777777777777", "", "", 100)))
	Diff(t, "all", id(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), ids(s.ListAll(ctx, "", "", 100)))
	Diff(t, "all after 9", id(10, 11), ids(s.ListAll(ctx, "", id(9)[0], 100)))
	Diff(t, "all for product 2", id(2, 5, 8), ids(s.ListAll(ctx, "prod-00000000000000002", "", 3)))

	pending := subs[3]
	pending.LicensePending = true
	PutSubscriptions(t, db, pending)
	Diff(t, "license work pending", []string{pending.ID}, ids(s.LicensePending(ctx, 10)))
}

func subscriptionForAccountAndCode(t *testing.T, db *store.DB) {
	const buyer = "111111111111"
	live := NewSubscription(1, buyer, 1)
	cancelled := NewSubscription(2, buyer, 1)
	cancelled.Status = subscription.Cancelled
	suspended := NewSubscription(3, buyer, 2)
	suspended.Status = subscription.Suspended
	term := Epoch.AddDate(1, 0, 0)
	annual := NewSubscription(4, buyer, 3) // its term does not end access
	annual.Annual, annual.TermEndsAt = map[string]int64{"m5.large": 1}, term
	contract := NewSubscription(5, buyer, 4)
	contract.Contract, contract.TermEndsAt = &subscription.ContractTerms{Duration: "P12M"}, term
	offer := NewSubscription(6, buyer, 5)
	offer.OfferID, offer.TermEndsAt = "offer-00000000000000001", term
	PutSubscriptions(t, db, live, cancelled, suspended, annual, contract, offer, NewSubscription(7, "222222222222", 1))
	access := func(s subscription.Subscription, until time.Time) []subscription.Access {
		return []subscription.Access{{SubscriptionID: s.ID, Status: s.Status, Until: until}}
	}
	for _, tc := range []struct {
		account, code string
		want          []subscription.Access
	}{
		{buyer, live.ProductCode, access(live, time.Time{})},
		{buyer, suspended.ProductCode, access(suspended, time.Time{})},
		{buyer, annual.ProductCode, access(annual, time.Time{})},
		{buyer, contract.ProductCode, access(contract, term)},
		{buyer, offer.ProductCode, access(offer, term)},
		{buyer, "nosuchcode", nil},
		{"333333333333", live.ProductCode, nil},
	} {
		got, err := db.Subscriptions().ForAccountAndCode(t.Context(), tc.account, tc.code)
		NoError(t, err, "for account and code")
		Diff(t, tc.account+" "+tc.code, tc.want, got)
	}
	// A renewal moves the end of access.
	contract.TermEndsAt = term.AddDate(1, 0, 0)
	PutSubscriptions(t, db, contract)
	got, err := db.Subscriptions().ForAccountAndCode(t.Context(), buyer, contract.ProductCode)
	NoError(t, err, "for account and code after a renewal")
	Diff(t, "after a renewal", access(contract, contract.TermEndsAt), got)
}

func subscriptionCharges(t *testing.T, db *store.DB) {
	sub := NewSubscription(1, "111111111111", 1)
	PutSubscriptions(t, db, sub)
	charge := func(n int, kind subscription.ChargeKind, qty int64, unit, amount string) subscription.Charge {
		return subscription.Charge{
			ID: fmt.Sprintf("chg-%017x", n), SubscriptionID: sub.ID, Buyer: sub.Buyer, Seller: sub.Seller,
			ProductID: sub.ProductID, ProductCode: sub.ProductCode, PriceVersion: 1, Kind: kind, Description: string(kind),
			Quantity: qty, UnitPrice: money.MustParse(unit), Amount: money.MustParse(amount),
			DueAt: Epoch, CreatedAt: Epoch,
		}
	}
	// IDs out of order: the order is the order of adding.
	fee := charge(9, subscription.ChargeSignUpFee, 1, "10.00", "10.00")
	monthly := charge(3, subscription.ChargeMonthlyFee, 1, "31.00", "18.000001")
	monthly.PeriodStart, monthly.PeriodEnd = Epoch, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	monthly.OfferID = "offer-00000000000000001"
	refund := charge(5, subscription.ChargeRefund, 1, "0", "0")
	refund.Amount, refund.Refunds = -money.MustParse("17.000001"), monthly.ID
	NoError(t, db.Subscriptions().Update(t.Context(), func(tx subscription.Tx) error {
		for _, c := range []subscription.Charge{fee, monthly, refund} {
			if err := tx.AddCharge(c); err != nil {
				return err
			}
		}
		got, err := tx.Charges(sub.ID)
		Diff(t, "charges in the transaction", []subscription.Charge{fee, monthly, refund}, got)
		return err
	}), "add charges")
	got, err := db.Subscriptions().Charges(t.Context(), sub.ID)
	NoError(t, err, "charges")
	Diff(t, "charges", []subscription.Charge{fee, monthly, refund}, got)

	none, err := db.Subscriptions().Charges(t.Context(), "sub-00000000000000099")
	NoError(t, err, "charges of nothing")
	Diff(t, "charges of nothing", []subscription.Charge(nil), none)

	orphan := charge(7, subscription.ChargeSignUpFee, 1, "1", "1")
	orphan.SubscriptionID = "sub-00000000000000099"
	err = db.Subscriptions().Update(t.Context(), func(tx subscription.Tx) error { return tx.AddCharge(orphan) })
	WantKind(t, err, fault.NotFound)
	dup := charge(9, subscription.ChargeSignUpFee, 1, "1", "1")
	err = db.Subscriptions().Update(t.Context(), func(tx subscription.Tx) error { return tx.AddCharge(dup) })
	WantKind(t, err, fault.Conflict)
}

func subscriptionChanges(t *testing.T, db *store.DB) {
	s := db.Subscriptions()
	ctx := t.Context()
	start, err := s.Changes(ctx, 0, 100)
	NoError(t, err, "changes of an empty store")
	Diff(t, "changes of an empty store", subscription.Changes{Epoch: 0, Complete: true}, start)

	a := NewSubscription(1, "111111111111", 1)
	b := NewSubscription(2, "222222222222", 2)
	PutSubscriptions(t, db, a, b)
	a.Status = subscription.Cancelled
	PutSubscriptions(t, db, a)
	key := func(s subscription.Subscription) subscription.Key {
		return subscription.Key{Account: s.Buyer, ProductCode: s.ProductCode}
	}
	for _, tc := range []struct {
		name  string
		after int64
		limit int
		want  subscription.Changes
	}{
		{"AllOfThem", 0, 100, subscription.Changes{Epoch: 3, Keys: []subscription.Key{key(a), key(b), key(a)}, Complete: true}},
		{"AfterTheFirst", 1, 100, subscription.Changes{Epoch: 3, Keys: []subscription.Key{key(b), key(a)}, Complete: true}},
		{"UpToDate", 3, 100, subscription.Changes{Epoch: 3, Complete: true}},
		{"MoreThanTheLimit", 0, 2, subscription.Changes{Epoch: 3}},
		{"AheadOfTheStore", 5, 100, subscription.Changes{Epoch: 3}},
	} {
		got, err := s.Changes(ctx, tc.after, tc.limit)
		NoError(t, err, tc.name)
		Diff(t, tc.name, tc.want, got)
	}

	// Reset empties the log but the epoch goes on: a cache that saw epoch
	// 3 finds a gap.
	NoError(t, db.Reset(ctx), "reset")
	got, err := s.Changes(ctx, 3, 100)
	NoError(t, err, "changes after reset")
	Diff(t, "changes after reset", subscription.Changes{Epoch: 4}, got)
	PutSubscriptions(t, db, NewSubscription(1, "111111111111", 1))
	got, err = s.Changes(ctx, 4, 100)
	NoError(t, err, "changes after reset and a put")
	Diff(t, "changes after reset and a put", subscription.Changes{Epoch: 5, Keys: []subscription.Key{key(a)}, Complete: true}, got)
}
