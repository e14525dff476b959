package subscription_test

import (
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/money"
	"github.com/tollgate/tollgate/internal/subscription"
)

// TestPrivateOffers: a named buyer signs up through an offer at its prices
// and for its term, installments in place of the upfront charge; nobody
// else may; an expired offer is refused; entitlement ends with the term and
// a cancellation refunds nothing.
func TestPrivateOffers(t *testing.T) {
	backends(t, testPrivateOffers)
}

func testPrivateOffers(t *testing.T, open backend) {
	e := newEnv(t, open)
	ctx := t.Context()
	image, contract := e.put(annualProduct()), e.put(contractProduct())
	imageOffer := catalog.Offer{ID: "offer-0000000000000000a", ProductID: image.ID, Seller: seller, Buyers: []string{other, buyer},
		Pricing: catalog.Pricing{SignUpFee: usd("1.00"), Hourly: map[string]money.Amount{"m5.large": usd("0.40")},
			Annual: map[string]money.Amount{"m5.large": usd("5000.00")}},
		DurationMonths: 24, Installments: []catalog.Installment{{DueAfterMonths: 0, Amount: usd("2500.00")}, {DueAfterMonths: 12, Amount: usd("2500.00")}},
		ExpiresAt: start.AddDate(0, 1, 0)}
	contractOffer := catalog.Offer{ID: "offer-0000000000000000b", ProductID: contract.ID, Seller: seller, Buyers: []string{buyer},
		Pricing: catalog.Pricing{Contract: &catalog.ContractPricing{Durations: []catalog.Duration{"P18M"}, Dimensions: []catalog.ContractDimension{
			{Name: "Seats", Unit: "Count", Type: catalog.Configurable, Price: map[catalog.Duration]money.Amount{"P18M": usd("150.00")}}}}},
		DurationMonths: 18}
	expired := imageOffer
	expired.ID, expired.ExpiresAt = "offer-0000000000000000c", start
	for _, o := range []catalog.Offer{imageOffer, contractOffer, expired} {
		if err := e.catalog.CreateOffer(ctx, o); err != nil {
			t.Fatal(err)
		}
	}

	for _, tc := range []struct {
		name, who string
		in        subscription.SubscribeInput
		kind      fault.Kind
	}{
		{"NotNamed", seller2, subscription.SubscribeInput{OfferID: imageOffer.ID}, fault.NotFound},
		{"TheSeller", seller, subscription.SubscribeInput{OfferID: imageOffer.ID}, fault.NotFound},
		{"NoSuchOffer", buyer, subscription.SubscribeInput{OfferID: "offer-0000000000000000f"}, fault.NotFound},
		{"Expired", buyer, subscription.SubscribeInput{OfferID: expired.ID}, fault.Conflict},
		{"AnotherProductsCode", buyer, subscription.SubscribeInput{OfferID: imageOffer.ID, ProductCode: contract.Code}, fault.Invalid},
		{"NotTheOffersTerm", buyer, subscription.SubscribeInput{OfferID: contractOffer.ID, Contract: &subscription.ContractInput{
			Duration: "P12M", Quantities: map[string]int64{"Seats": 1}}}, fault.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.Subscribe(ctx, tc.who, tc.in)
			wantKind(t, err, tc.kind)
		})
	}

	sub := e.subscribe(buyer, subscription.SubscribeInput{OfferID: imageOffer.ID, ProductCode: image.Code, Annual: map[string]int64{"m5.large": 1}})
	end := start.AddDate(2, 0, 0)
	if sub.OfferID != imageOffer.ID || sub.PriceVersion != 0 || !sub.TermEndsAt.Equal(end) || sub.Status != subscription.Active {
		t.Errorf("offer sign-up: %+v", sub)
	}
	installment := func(n int, due time.Time) subscription.Charge {
		c := charge(sub, subscription.ChargeInstallment, "installment "+string(rune('0'+n))+" of 2", 1, usd("2500.00"), usd("2500.00"), start, end)
		c.DueAt = due
		return c
	}
	diff(t, "offer charges", []subscription.Charge{
		charge(sub, subscription.ChargeSignUpFee, "one-time sign-up fee", 1, usd("1.00"), usd("1.00"), time.Time{}, time.Time{}),
		installment(1, start), installment(2, start.AddDate(1, 0, 0)),
	}, e.charges(sub), ignoreStamps)

	d, err := e.svc.Checker().Check(ctx, subscription.Query{Account: buyer, ProductCode: image.Code, At: end.Add(-time.Second)})
	if err != nil || !d.Entitled {
		t.Errorf("in the offer's term: %v, %v", d, err)
	}
	d, err = e.svc.Checker().Check(ctx, subscription.Query{Account: buyer, ProductCode: image.Code, At: end})
	if err != nil || d.Entitled {
		t.Errorf("at the end of the offer's term: %v, %v", d, err)
	}
	e.clk.Advance(time.Hour)
	before := len(e.charges(sub))
	if _, err := e.svc.Cancel(ctx, buyer, sub.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(e.charges(sub)); n != before {
		t.Errorf("a private offer's cancellation within 48 hours added %d charges", n-before)
	}

	// A contract offer is priced, and licensed, for its term.
	c := e.subscribe(buyer, subscription.SubscribeInput{OfferID: contractOffer.ID, Contract: &subscription.ContractInput{Quantities: map[string]int64{"Seats": 2}}})
	cEnd := e.clk.Now().AddDate(0, 18, 0)
	if !c.TermEndsAt.Equal(cEnd) || c.Contract.Duration != "P18M" || c.LicenseArn == "" {
		t.Errorf("contract offer sign-up: %+v", c)
	}
	cs := e.charges(c)
	if len(cs) != 1 || cs[0].Amount != usd("300.00") || cs[0].OfferID != contractOffer.ID {
		t.Errorf("contract offer charges: %+v", cs)
	}
	for _, l := range e.received() {
		if l.LicenseArn == c.LicenseArn && !l.Validity.End.Equal(cEnd) {
			t.Errorf("the offer's license ends %v, want %v", l.Validity.End, cEnd)
		}
	}
	_, err = e.svc.Change(ctx, buyer, c.ID, subscription.ChangeInput{Contract: &subscription.ContractInput{Quantities: map[string]int64{"Seats": 3}}})
	wantKind(t, err, fault.Conflict)
}
