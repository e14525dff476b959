package subscription_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/subscription"
)

// TestVisibility: a buyer sees its own subscriptions, a seller its
// products' subscribers, an operator everything; to anyone else a
// subscription does not exist.
func TestVisibility(t *testing.T) {
	backends(t, testVisibility)
}

func testVisibility(t *testing.T, open backend) {
	e := newEnv(t, open)
	ctx := t.Context()
	hourly, annual, trial := e.put(hourlyProduct()), e.put(annualProduct()), e.put(trialProduct()) // trial is seller2's
	mine := []subscription.Subscription{
		e.subscribe(buyer, subscription.SubscribeInput{ProductCode: hourly.Code}),
		e.subscribe(buyer, subscription.SubscribeInput{ProductCode: annual.Code}),
		e.subscribe(buyer, subscription.SubscribeInput{ProductCode: trial.Code}),
	}
	theirs := e.subscribe(other, subscription.SubscribeInput{ProductCode: hourly.Code})

	for _, tc := range []struct {
		caller string
		sub    subscription.Subscription
		ok     bool
	}{
		{buyer, mine[0], true},
		{seller, mine[0], true},
		{operator, mine[0], true},
		{seller2, mine[0], false}, // another seller
		{other, mine[0], false},   // another buyer of the same product
		{buyer, theirs, false},
		{seller, mine[2], false}, // seller2's product
		{seller2, mine[2], true},
	} {
		got, err := e.svc.Get(ctx, tc.caller, tc.sub.ID)
		if tc.ok {
			if err != nil || got.ID != tc.sub.ID {
				t.Errorf("%s gets %s: %v", tc.caller, tc.sub.ID, err)
			}
			if _, err := e.svc.Charges(ctx, tc.caller, tc.sub.ID); err != nil {
				t.Errorf("%s reads the charges of %s: %v", tc.caller, tc.sub.ID, err)
			}
			continue
		}
		wantKind(t, err, fault.NotFound)
		_, err = e.svc.Charges(ctx, tc.caller, tc.sub.ID)
		wantKind(t, err, fault.NotFound)
	}
	_, err := e.svc.Get(ctx, buyer, "sub-<script>")
	wantKind(t, err, fault.NotFound)

	ids := func(caller string, in subscription.ListInput) []string {
		t.Helper()
		var out []string
		for {
			page, err := e.svc.List(ctx, caller, in)
			if err != nil {
				t.Fatalf("list for %s: %v", caller, err)
			}
			if len(page.Subscriptions) > max(in.Limit, 0) && in.Limit > 0 {
				t.Fatalf("page of %d, limit %d", len(page.Subscriptions), in.Limit)
			}
			for _, s := range page.Subscriptions {
				out = append(out, s.ID)
			}
			if page.Next == "" {
				return out
			}
			in.Next = page.Next
		}
	}
	sorted := func(subs ...subscription.Subscription) []string {
		var out []string
		for _, s := range subs {
			out = append(out, s.ID)
		}
		slices.Sort(out)
		return out
	}
	diff(t, "buyer's own", sorted(mine...), ids(buyer, subscription.ListInput{}))
	diff(t, "buyer's own, a page at a time", sorted(mine...), ids(buyer, subscription.ListInput{Limit: 1}))
	diff(t, "buyer's own for one product", sorted(mine[1]), ids(buyer, subscription.ListInput{ProductID: annual.ID}))
	diff(t, "seller's subscribers", sorted(mine[0], mine[1], theirs), ids(seller, subscription.ListInput{Role: subscription.AsSeller, Limit: 2}))
	diff(t, "seller's subscribers to one product", sorted(mine[0], theirs), ids(seller, subscription.ListInput{Role: subscription.AsSeller, ProductID: hourly.ID}))
	diff(t, "other seller's subscribers", sorted(mine[2]), ids(seller2, subscription.ListInput{Role: subscription.AsSeller}))
	diff(t, "a buyer as a seller", []string(nil), ids(buyer, subscription.ListInput{Role: subscription.AsSeller}))
	diff(t, "operator's", sorted(append(mine, theirs)...), ids(operator, subscription.ListInput{Role: subscription.AsOperator, Limit: 3}))
	_, err = e.svc.List(ctx, seller, subscription.ListInput{Role: subscription.AsOperator})
	wantKind(t, err, fault.Forbidden)
	_, err = e.svc.List(ctx, buyer, subscription.ListInput{Next: "bm90IGEgdG9rZW4"})
	wantKind(t, err, fault.Invalid)
}

// TestConfirm: a seller confirms whether an account is subscribed to one
// of its product codes; another seller's code does not exist for it.
func TestConfirm(t *testing.T) {
	e := newEnv(t, sqlite)
	ctx := t.Context()
	p := e.put(hourlyProduct())
	confirm := func(account string) subscription.Confirmation {
		t.Helper()
		c, err := e.svc.Confirm(ctx, seller, account, p.Code)
		if err != nil {
			t.Fatalf("confirm %s: %v", account, err)
		}
		return c
	}
	diff(t, "never subscribed", subscription.Confirmation{}, confirm(buyer))
	sub := e.subscribe(buyer, subscription.SubscribeInput{ProductCode: p.Code})
	diff(t, "subscribed", subscription.Confirmation{Subscribed: true, Status: subscription.Active, SubscriptionID: sub.ID}, confirm(buyer))
	if _, err := e.svc.Cancel(ctx, buyer, sub.ID); err != nil {
		t.Fatal(err)
	}
	diff(t, "cancelled", subscription.Confirmation{Status: subscription.Cancelled, SubscriptionID: sub.ID}, confirm(buyer))
	e.clk.Advance(time.Hour)
	again := e.subscribe(buyer, subscription.SubscribeInput{ProductCode: p.Code})
	diff(t, "subscribed again", subscription.Confirmation{Subscribed: true, Status: subscription.Active, SubscriptionID: again.ID}, confirm(buyer))

	_, err := e.svc.Confirm(ctx, seller2, buyer, p.Code)
	wantKind(t, err, fault.NotFound)
	_, err = e.svc.Confirm(ctx, seller, buyer, "nosuchcode000")
	wantKind(t, err, fault.NotFound)
}
