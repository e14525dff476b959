package console_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/money"
	"github.com/tollgate/tollgate/internal/subscription"
)

// evil is markup that would run if a page wrote it as it is: a script, and
// an attribute breakout.
const evil = `<script>alert(1)</script>"'><img src=x onerror=alert(1)>`

// escaped is how evil's script reads once escaped, in text and attributes.
const escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"

// TestNoPageRendersMarkup puts markup in every name and text a page shows
// (the seller's and buyer's account names, a product's name, description,
// instance types, usage and contract dimensions and tiers, its return URL,
// and every field of the registration and purchase forms) and renders
// every page with them: the markup never appears as markup.
func TestNoPageRendersMarkup(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	seller, sellerPW := w.account(t, evil)
	buyer, buyerPW := w.account(t, evil+" buyer")

	// The catalog refuses markup in names; these products come from the
	// store directly, as data written by an older release or another tool
	// would.
	image := w.evilProduct(t, seller, catalog.PaidImage)
	contract := w.evilProduct(t, seller, catalog.Contract)
	offer, err := w.app.Catalog.CreateOffer(ctx, seller.ID, catalog.CreateOfferInput{ProductID: image.ID,
		Buyers: []string{buyer.ID}, DurationMonths: 12, Pricing: catalog.PricingInput{Hourly: map[string]string{evil: "0.25"}}})
	if err != nil {
		// The offer's prices name the product's instance types; a catalog
		// that refuses these makes the offer with none.
		offer, err = w.app.Catalog.CreateOffer(ctx, seller.ID, catalog.CreateOfferInput{ProductID: image.ID,
			Buyers: []string{buyer.ID}, DurationMonths: 12, Pricing: catalog.PricingInput{MonthlyFee: "5.00"}})
		if err != nil {
			t.Fatalf("create the offer: %v", err)
		}
	}
	sub, err := w.app.Subscriptions.Subscribe(ctx, buyer.ID, subscription.SubscribeInput{ProductCode: image.Code})
	if err != nil {
		t.Fatalf("subscribe to the product with markup: %v", err)
	}

	anon, asSeller, asBuyer := w.client(t), w.client(t), w.client(t)
	asSeller.signIn(seller.ID, sellerPW)
	asBuyer.signIn(buyer.ID, buyerPW)

	evilForm := url.Values{"Name": {evil}, "Kind": {evil}, "Description": {evil}, "ReturnURL": {"javascript:alert(1)"},
		"SignUpFee": {evil}, "MonthlyFee": {evil}, "FreeTrialDays": {evil},
		"type.0.name": {evil}, "type.0.hourly": {evil}, "type.0.annual": {evil},
		"usage.0.dimension": {evil}, "usage.0.unit": {evil}, "usage.0.price": {evil},
		"duration": {evil, "P12M"}, "dim.0.name": {evil}, "dim.0.unit": {evil}, "dim.0.type": {evil}, "dim.0.price.P12M": {evil},
		"tier.0.dimension": {evil}, "tier.0.name": {evil}, "tier.0.price.P12M": {evil},
		"rows.type": {evil}, "action": {"create"}}
	pages := []struct {
		name   string
		c      *client
		method string
		path   string
		form   url.Values
		shows  bool // the page shows the markup (escaped)
	}{
		{"PurchaseSignedOut", anon, "GET", catalog.PurchasePath(image.Code), nil, true},
		{"ContractPurchaseSignedOut", anon, "GET", catalog.PurchasePath(contract.Code), nil, true},
		{"SignInNext", anon, "GET", "/console/signin?next=" + url.QueryEscape(evil), nil, false},
		{"SignInPost", anon, "POST", "/console/signin", url.Values{"account": {evil}, "password": {evil}, "next": {evil}}, false},
		{"NotFound", asBuyer, "GET", "/console/" + url.PathEscape(evil), nil, true},
		{"BuyerHome", asBuyer, "GET", "/console/", nil, true},
		{"BuyerSubscriptions", asBuyer, "GET", "/console/subscriptions?subscribed=" + sub.ID, nil, true},
		{"BuyerPurchaseSubscribed", asBuyer, "GET", catalog.PurchasePath(image.Code), nil, true},
		{"BuyerContractPurchase", asBuyer, "GET", catalog.PurchasePath(contract.Code), nil, true},
		{"BuyerContractSubscribeErrors", asBuyer, "POST", catalog.PurchasePath(contract.Code),
			url.Values{"duration": {evil}, "tier": {evil}, "qty." + evil: {evil}, "client_token": {evil}}, true},
		{"BuyerOffer", asBuyer, "GET", catalog.OfferPath(offer.ID), nil, true},
		{"SellerHome", asSeller, "GET", "/console/", nil, true},
		{"SellerProducts", asSeller, "GET", "/console/products", nil, true},
		{"SellerProduct", asSeller, "GET", "/console/products/" + image.ID, nil, true},
		{"SellerContractProduct", asSeller, "GET", "/console/products/" + contract.ID, nil, true},
		{"SellerPurchasePage", asSeller, "GET", catalog.PurchasePath(image.Code), nil, true},
		{"SellerOffer", asSeller, "GET", catalog.OfferPath(offer.ID), nil, true},
		{"RegistrationForm", asSeller, "GET", "/console/products/new", nil, false},
		{"RegistrationErrors", asSeller, "POST", "/console/products/new", evilForm, true},
		{"RegistrationMoreRows", asSeller, "POST", "/console/products/new", withAction(evilForm, "more"), true},
		{"BuyerCancel", asBuyer, "POST", "/console/subscriptions/" + sub.ID + "/cancel", url.Values{}, false},
		{"BuyerCancelled", asBuyer, "GET", "/console/subscriptions?cancelled=" + sub.ID, nil, true},
		{"CancelUnknown", asBuyer, "POST", "/console/subscriptions/" + url.PathEscape(evil) + "/cancel", url.Values{}, true},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			r := p.c.do(p.method, p.path, p.form, nil)
			if r.status >= 500 {
				t.Fatalf("status %d:\n%s", r.status, r.body)
			}
			for _, raw := range []string{"<script", "<img src=x", `"'>`, `href="javascript:`, `src="javascript:`, `action="javascript:`} {
				if strings.Contains(strings.ToLower(r.body), raw) {
					i := strings.Index(strings.ToLower(r.body), raw)
					t.Errorf("status %d: the page contains %q unescaped: ...%s...", r.status, raw, r.body[max(0, i-120):min(len(r.body), i+120)])
				}
			}
			if p.shows && !strings.Contains(r.body, escaped) {
				t.Errorf("status %d: the page does not show the markup escaped (%s), so the test proves nothing:\n%s", r.status, escaped, r.body)
			}
		})
	}
	if got, _ := w.app.Subscriptions.Get(ctx, buyer.ID, sub.ID); got.Status != subscription.Cancelled {
		t.Errorf("the cancel in the pages above left the subscription %s", got.Status)
	}
}

func withAction(v url.Values, action string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = vs
	}
	out.Set("action", action)
	return out
}

// evilProduct registers a product of kind for seller, then rewrites its
// names, texts and prices in the store with markup.
func (w *world) evilProduct(t *testing.T, seller account.Account, kind catalog.Kind) catalog.Product {
	t.Helper()
	ctx := t.Context()
	in := catalog.CreateProductInput{Name: "Plain name", Kind: string(kind), InstanceTypes: []string{"m5.large"},
		Pricing: catalog.PricingInput{Hourly: map[string]string{"m5.large": "0.50"}}}
	if kind == catalog.Contract {
		in.InstanceTypes, in.Pricing = nil, catalog.PricingInput{Contract: &catalog.ContractPricingInput{Durations: []string{"P12M"},
			Dimensions: []catalog.ContractDimensionInput{{Name: "Seats", Unit: "Count", Type: "Configurable", Price: map[string]string{"P12M": "10.00"}}}}}
	}
	p, err := w.app.Catalog.CreateProduct(ctx, seller.ID, in)
	if err != nil {
		t.Fatalf("register a %s product: %v", kind, err)
	}
	now := w.app.Clock.Now()
	p.Name, p.Description, p.ReturnURL, p.UpdatedAt = evil, evil+"\n"+evil, "javascript:alert(1)", now
	price := money.MustParse("1.00")
	pricing := catalog.Pricing{SignUpFee: price, MonthlyFee: price, FreeTrialDays: 3,
		Usage: []catalog.UsageDimension{{Dimension: evil, Unit: evil, Price: price}}}
	if kind == catalog.Contract {
		pricing.Contract = &catalog.ContractPricing{Durations: []catalog.Duration{"P12M"}, Dimensions: []catalog.ContractDimension{
			{Name: evil, Unit: evil, Type: catalog.Configurable, Price: map[catalog.Duration]money.Amount{"P12M": price}},
			{Name: evil + "2", Type: catalog.Tiered, Tiers: map[string]map[catalog.Duration]money.Amount{evil: {"P12M": price}}},
		}}
	} else {
		p.InstanceTypes = []string{"m5.large", evil}
		pricing.Hourly = map[string]money.Amount{"m5.large": price, evil: price}
		pricing.Annual = map[string]money.Amount{evil: price}
	}
	if err := w.app.DB.Catalog().UpdateProduct(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := w.app.DB.Catalog().AddPriceVersion(ctx, catalog.PriceVersion{ProductID: p.ID, Version: 2, Pricing: pricing,
		EffectiveAt: now, CreatedAt: now.Add(time.Nanosecond)}); err != nil {
		t.Fatal(err)
	}
	p, err = w.app.Catalog.GetProduct(ctx, p.ID)
	if err != nil || p.Name != evil {
		t.Fatalf("the product with markup reads back %+v, %v", p, err)
	}
	return p
}
