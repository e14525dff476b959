package nativeapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/demo"
	"github.com/tollgate/tollgate/internal/nativeapi"
	"github.com/tollgate/tollgate/internal/nativeapi/apitest"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// env is a whole server, wired as `tollgate serve --demo` wires it, with a
// client for each demo party.
type env struct {
	App                      *app.App
	URL                      string
	Seller, Buyer, Operator  *apitest.Client
	SellerID, BuyerID, OpsID string
}

// start serves a fresh demo world on SQLite, or on PostgreSQL when
// TOLLGATE_TEST_POSTGRES is set and postgres is true.
func start(t *testing.T, authMode string) *env {
	t.Helper()
	cfg := app.Config{Store: store.Config{DataDir: t.TempDir()}, Demo: true, Auth: authMode,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return startWith(t, cfg)
}

func startWith(t *testing.T, cfg app.Config) *env {
	t.Helper()
	a, err := app.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("app.Open: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		if err := a.Close(); err != nil {
			t.Errorf("closing the app: %v", err)
		}
	})
	w := demo.Parties()
	doc := apitest.FetchDoc(t, srv.URL)
	client := func(p demo.Party) *apitest.Client {
		return &apitest.Client{T: t, BaseURL: srv.URL, Key: p.Key.ID, Secret: p.Key.Secret, Doc: doc}
	}
	return &env{App: a, URL: srv.URL, Seller: client(w.Seller), Buyer: client(w.Buyer), Operator: client(w.Operator),
		SellerID: w.Seller.Account.ID, BuyerID: w.Buyer.Account.ID, OpsID: w.Operator.Account.ID}
}

// startPostgres serves a fresh demo world on PostgreSQL; it skips without
// TOLLGATE_TEST_POSTGRES.
func startPostgres(t *testing.T) *env {
	t.Helper()
	cfg := app.Config{Store: storetest.PostgresConfig(storetest.PostgresURL(t))(t), Demo: true,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return startWith(t, cfg)
}

func problem(t *testing.T, r *apitest.Response) nativeapi.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != nativeapi.ProblemContentType {
		t.Errorf("Content-Type %q, want %s: %s", ct, nativeapi.ProblemContentType, r.Body)
	}
	var p nativeapi.Problem
	r.JSON(t, &p)
	return p
}

// acmeAnalytics is the example product.
func acmeAnalytics(name string) nativeapi.CreateProductRequest {
	return nativeapi.CreateProductRequest{
		Name: name, Kind: "paid-image", Description: "Dashboards for <b>your</b> data & more",
		InstanceTypes: []string{"m5.large", "m5.xlarge"},
		Pricing: nativeapi.Pricing{SignUpFee: "10.00",
			Hourly: map[string]string{"m5.large": "0.50", "m5.xlarge": "1.00"},
			Annual: map[string]string{"m5.large": "3000.00", "m5.xlarge": "6000.00"}},
	}
}

func createProduct(t *testing.T, c *apitest.Client, in any) nativeapi.Product {
	t.Helper()
	var p nativeapi.Product
	c.Do(http.MethodPost, "/v1/products", in).Want(t, http.StatusCreated).JSON(t, &p)
	return p
}

var productCode = regexp.MustCompile(`^[a-z0-9]{8,25}$`)

func TestProducts(t *testing.T)         { testProducts(t, start(t, app.AuthStrict)) }
func TestProductsPostgres(t *testing.T) { testProducts(t, startPostgres(t)) }

func testProducts(t *testing.T, e *env) {
	r := e.Seller.Do(http.MethodPost, "/v1/products", acmeAnalytics("Acme Analytics")).Want(t, http.StatusCreated)
	var p nativeapi.Product
	r.JSON(t, &p)
	if loc := r.Header.Get("Location"); loc != "/v1/products/"+p.ProductId {
		t.Errorf("Location %q", loc)
	}
	if !productCode.MatchString(p.ProductCode) || p.ProductToken == "" || !strings.HasPrefix(p.ProductId, "prod-") {
		t.Errorf("code %q, token %q, id %q", p.ProductCode, p.ProductToken, p.ProductId)
	}
	if want := e.URL + "/purchase/" + p.ProductCode; p.PurchaseUrl != want {
		t.Errorf("PurchaseUrl %q, want %q", p.PurchaseUrl, want)
	}
	if diff := cmp.Diff(acmeAnalytics("").Pricing, p.Pricing); diff != "" {
		t.Errorf("pricing (-sent +got):\n%s", diff)
	}
	if p.SellerAccountId != e.SellerID || p.PriceVersion != 1 || p.Kind != "paid-image" {
		t.Errorf("product %+v", p)
	}
	// Markup in a description is kept as text, and written escaped.
	if strings.Contains(string(r.Body), "<b>") || p.Description != "Dashboards for <b>your</b> data & more" {
		t.Errorf("description %q written as %s", p.Description, r.Body)
	}

	t.Run("any account reads it; only the seller sees its token", func(t *testing.T) {
		var seen nativeapi.Product
		e.Buyer.Do(http.MethodGet, "/v1/products/"+p.ProductId, nil).Want(t, 200).JSON(t, &seen)
		if seen.ProductToken != "" || seen.ProductCode != p.ProductCode {
			t.Errorf("the buyer sees %+v", seen)
		}
		e.Seller.Do(http.MethodGet, "/v1/products/"+p.ProductId, nil).Want(t, 200).JSON(t, &seen)
		if seen.ProductToken != p.ProductToken {
			t.Errorf("the seller sees token %q, want %q", seen.ProductToken, p.ProductToken)
		}
		if pr := problem(t, e.Buyer.Do(http.MethodGet, "/v1/products/prod-00000000000000000", nil).Want(t, 404)); pr.Code != "not_found" {
			t.Errorf("unknown product: %s", pr.Code)
		}
	})

	t.Run("update", func(t *testing.T) {
		name, desc := "Acme Analytics Pro", ""
		var up nativeapi.Product
		e.Seller.Do(http.MethodPatch, "/v1/products/"+p.ProductId, nativeapi.UpdateProductRequest{Name: &name, Description: &desc}).
			Want(t, 200).JSON(t, &up)
		if up.Name != name || up.Description != "" || up.ProductCode != p.ProductCode || len(up.InstanceTypes) != 2 {
			t.Errorf("updated %+v", up)
		}
		r := e.Buyer.Do(http.MethodPatch, "/v1/products/"+p.ProductId, nativeapi.UpdateProductRequest{Name: &name})
		if r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
			t.Errorf("the buyer changed the seller's product: %d %s", r.Status, r.Body)
		}
	})

	t.Run("price versions", func(t *testing.T) {
		lower := acmeAnalytics("").Pricing
		lower.Hourly = map[string]string{"m5.large": "0.40", "m5.xlarge": "0.90"}
		var v nativeapi.PriceVersion
		e.Seller.Do(http.MethodPost, "/v1/products/"+p.ProductId+"/price-versions", nativeapi.CreatePriceVersionRequest{Pricing: lower}).
			Want(t, http.StatusCreated).JSON(t, &v)
		if v.Version != 2 || v.Pricing.Hourly["m5.large"] != "0.40" {
			t.Errorf("version %+v", v)
		}
		var list nativeapi.PriceVersionList
		e.Buyer.Do(http.MethodGet, "/v1/products/"+p.ProductId+"/price-versions", nil).Want(t, 200).JSON(t, &list)
		if len(list.PriceVersions) != 2 || list.PriceVersions[0].Version != 1 || list.PriceVersions[1].Version != 2 {
			t.Errorf("versions %+v", list)
		}
		// A rise needs 90 days' notice: an EffectiveAt of now is refused.
		higher := acmeAnalytics("").Pricing
		higher.Hourly = map[string]string{"m5.large": "5.00", "m5.xlarge": "9.00"}
		now := e.App.Clock.Now()
		r := e.Seller.Do(http.MethodPost, "/v1/products/"+p.ProductId+"/price-versions",
			nativeapi.CreatePriceVersionRequest{Pricing: higher, EffectiveAt: &now})
		if pr := problem(t, r.Want(t, 400)); len(pr.Errors) == 0 || pr.Errors[0].Field != "EffectiveAt" {
			t.Errorf("a rise at once: %+v", pr)
		}
	})

	t.Run("pages", func(t *testing.T) {
		created := []string{p.ProductId}
		for _, name := range []string{"Second", "Third"} {
			created = append(created, createProduct(t, e.Seller, acmeAnalytics(name)).ProductId)
		}
		var ids []string
		token := ""
		for pages := 0; ; pages++ {
			var page nativeapi.ProductList
			e.Seller.Do(http.MethodGet, apitest.Query("/v1/products", "MaxResults", "2", "NextToken", token), nil).Want(t, 200).JSON(t, &page)
			if len(page.Products) > 2 || pages > 10 {
				t.Fatalf("page %d: %d products", pages, len(page.Products))
			}
			for _, p := range page.Products {
				ids = append(ids, p.ProductId)
			}
			if token = page.NextToken; token == "" {
				break
			}
		}
		for _, id := range created {
			if !slices.Contains(ids, id) {
				t.Errorf("the pages list %v, without %s", ids, id)
			}
		}
		if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
			t.Errorf("a product is listed twice: %v", ids)
		}
		var none nativeapi.ProductList
		e.Buyer.Do(http.MethodGet, "/v1/products", nil).Want(t, 200).JSON(t, &none)
		if len(none.Products) != 0 {
			t.Errorf("the buyer lists the seller's products: %+v", none)
		}
		pr := problem(t, e.Seller.Do(http.MethodGet, "/v1/products?NextToken=not-a-token", nil).Want(t, 400))
		if len(pr.Errors) != 1 || pr.Errors[0].Field != "NextToken" {
			t.Errorf("a bad token: %+v", pr)
		}
		pr = problem(t, e.Seller.Do(http.MethodGet, "/v1/products?MaxResults=1000", nil).Want(t, 400))
		if len(pr.Errors) != 1 || pr.Errors[0].Field != "MaxResults" || pr.Errors[0].Code != "out_of_range" {
			t.Errorf("MaxResults 1000: %+v", pr)
		}
	})
}

// TestBadInput: every kind of bad input the issue names is a problem
// details answer naming each invalid field, never a 500.
func TestBadInput(t *testing.T) {
	e := start(t, app.AuthStrict)
	product := func(edit func(m map[string]any)) map[string]any {
		b, _ := json.Marshal(acmeAnalytics("Bad Input"))
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		edit(m)
		return m
	}
	pricing := func(m map[string]any) map[string]any { return m["Pricing"].(map[string]any) }
	type field struct{ Field, Code string }
	for _, tc := range []struct {
		name   string
		body   any
		status int
		want   []field
	}{
		{"unknown instance types", product(func(m map[string]any) {
			m["InstanceTypes"] = []string{"m5.large", "m5.xlarge", "q9.imaginary"}
		}), 400, []field{{"InstanceTypes[2]", "unknown_instance_type"},
			{"Pricing.Annual.q9.imaginary", "missing_annual"}, {"Pricing.Hourly.q9.imaginary", "missing_hourly"}}},
		{"a negative price", product(func(m map[string]any) {
			pricing(m)["Hourly"].(map[string]any)["m5.large"] = "-0.50"
		}), 400, []field{{"Pricing.Hourly.m5.large", "negative"}}},
		{"a price that is not a decimal", product(func(m map[string]any) {
			pricing(m)["SignUpFee"] = "ten dollars"
		}), 400, []field{{"Pricing.SignUpFee", "not_decimal"}}},
		{"a price with 20 decimal places", product(func(m map[string]any) {
			pricing(m)["Annual"].(map[string]any)["m5.xlarge"] = "1.00000000000000000001"
		}), 400, []field{{"Pricing.Annual.m5.xlarge", "too_many_places"}}},
		{"three rules broken at once", product(func(m map[string]any) {
			m["Name"] = ""
			pricing(m)["Hourly"].(map[string]any)["m5.large"] = "-1"
			pricing(m)["SignUpFee"] = "1e3"
		}), 400, []field{{"Name", "required"}, {"Pricing.Hourly.m5.large", "negative"}, {"Pricing.SignUpFee", "not_decimal"}}},
		{"markup in a name", product(func(m map[string]any) { m["Name"] = "<script>alert(1)</script>" }),
			400, []field{{"Name", "markup"}}},
		{"wrong types", product(func(m map[string]any) {
			m["Name"] = 42
			m["InstanceTypes"] = "m5.large"
			pricing(m)["Hourly"].(map[string]any)["m5.large"] = 0.5
			pricing(m)["FreeTrialDays"] = "7"
		}), 400, []field{{"InstanceTypes", "wrong_type"}, {"Name", "wrong_type"}, {"Pricing.FreeTrialDays", "wrong_type"},
			{"Pricing.Hourly.m5.large", "wrong_type"}}},
		{"unknown fields", product(func(m map[string]any) {
			m["Colour"] = "red"
			pricing(m)["hourly"] = map[string]string{}
		}), 400, []field{{"Colour", "unknown_field"}, {"Pricing.hourly", "unknown_field"}}},
		{"a 10 MB description", product(func(m map[string]any) { m["Description"] = strings.Repeat("d", 10<<20) }), 413, nil},
		{"a description over the limit", product(func(m map[string]any) { m["Description"] = strings.Repeat("d", 100<<10) }),
			400, []field{{"Description", "too_long"}}},
		{"malformed JSON", `{"Name": "x", "Kind": }`, 400, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Seller.Do(http.MethodPost, "/v1/products", tc.body).Want(t, tc.status)
			pr := problem(t, r)
			var got []field
			for _, f := range pr.Errors {
				got = append(got, field{f.Field, f.Code})
				if f.Message == "" {
					t.Errorf("field %s has no message", f.Field)
				}
			}
			slices.SortFunc(got, func(a, b field) int { return strings.Compare(a.Field, b.Field) })
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("field errors (-want +got):\n%s\n%s", diff, r.Body)
			}
		})
	}
}

func TestOffers(t *testing.T)         { testOffers(t, start(t, app.AuthStrict)) }
func TestOffersPostgres(t *testing.T) { testOffers(t, startPostgres(t)) }

func testOffers(t *testing.T, e *env) {
	p := createProduct(t, e.Seller, acmeAnalytics("Offered"))
	in := nativeapi.CreateOfferRequest{ProductId: p.ProductId, Buyers: []string{e.BuyerID}, DurationMonths: 12,
		Pricing: nativeapi.Pricing{Hourly: map[string]string{"m5.large": "0.40", "m5.xlarge": "0.80"},
			Annual: map[string]string{"m5.large": "2500.00", "m5.xlarge": "5000.00"}}}
	var o nativeapi.Offer
	e.Seller.Do(http.MethodPost, "/v1/offers", in).Want(t, http.StatusCreated).JSON(t, &o)
	if o.PurchaseUrl != e.URL+"/purchase/offer/"+o.OfferId || !strings.HasPrefix(o.OfferId, "offer-") || o.DurationMonths != 12 {
		t.Errorf("offer %+v", o)
	}
	var seen nativeapi.Offer
	e.Buyer.Do(http.MethodGet, "/v1/offers/"+o.OfferId, nil).Want(t, 200).JSON(t, &seen)
	if seen.OfferId != o.OfferId {
		t.Errorf("the buyer sees %+v", seen)
	}
	if pr := problem(t, e.Operator.Do(http.MethodGet, "/v1/offers/"+o.OfferId, nil).Want(t, 404)); pr.Code != "not_found" {
		t.Errorf("another account: %s", pr.Code)
	}
	for _, c := range []*apitest.Client{e.Seller, e.Buyer} {
		var list nativeapi.OfferList
		c.Do(http.MethodGet, "/v1/offers", nil).Want(t, 200).JSON(t, &list)
		if len(list.Offers) != 1 || list.Offers[0].OfferId != o.OfferId {
			t.Errorf("listed %+v", list)
		}
	}
	var none nativeapi.OfferList
	e.Operator.Do(http.MethodGet, "/v1/offers", nil).Want(t, 200).JSON(t, &none)
	if len(none.Offers) != 0 {
		t.Errorf("another account lists %+v", none)
	}
	r := e.Seller.Do(http.MethodPost, "/v1/offers", `{"ProductId": "prod-1", "ExpiresAt": "next tuesday"}`).Want(t, 400)
	got := map[string]nativeapi.FieldProblem{}
	for _, f := range problem(t, r).Errors {
		got[f.Field] = f
	}
	if got["ProductId"].Code != "bad_format" || got["ExpiresAt"].Code != "bad_format" || got["ExpiresAt"].Message != "must be a date-time" {
		t.Errorf("a malformed offer: %+v", got)
	}
	bad := in
	bad.Buyers = []string{"not-an-account"}
	bad.Installments = []nativeapi.Installment{{DueAfterMonths: 0, Amount: "-5"}}
	if pr := problem(t, e.Seller.Do(http.MethodPost, "/v1/offers", bad).Want(t, 400)); len(pr.Errors) < 2 {
		t.Errorf("a bad offer: %+v", pr)
	}
}

func TestInstanceTypes(t *testing.T) {
	e := start(t, app.AuthStrict)
	var names []string
	token := ""
	for {
		var page nativeapi.InstanceTypeList
		e.Buyer.Do(http.MethodGet, apitest.Query("/v1/instance-types", "MaxResults", "7", "NextToken", token), nil).Want(t, 200).JSON(t, &page)
		for _, it := range page.InstanceTypes {
			names = append(names, it.Name)
		}
		if token = page.NextToken; token == "" {
			break
		}
	}
	var all nativeapi.InstanceTypeList
	e.Buyer.Do(http.MethodGet, "/v1/instance-types", nil).Want(t, 200).JSON(t, &all)
	if len(names) != len(all.InstanceTypes) || !slices.Contains(names, "m5.large") || len(names) <= 7 {
		t.Errorf("paged %d types, whole %d", len(names), len(all.InstanceTypes))
	}
	for _, it := range all.InstanceTypes {
		if it.Name == "m5.large" && (!slices.Equal(it.Architectures, []string{"x86_64"}) || it.CurrentGeneration == nil || !*it.CurrentGeneration) {
			t.Errorf("m5.large: architectures %v, current generation %v; want [x86_64], true", it.Architectures, it.CurrentGeneration)
		}
	}
}

// TestEveryRouteDocumented: each route the router serves is an operation
// of the OpenAPI document, and the document is served as OpenAPI 3.1.
func TestEveryRouteDocumented(t *testing.T) {
	e := start(t, app.AuthStrict)
	api := nativeapi.New(nativeapi.Config{Catalog: e.App.Catalog})
	doc := apitest.FetchDoc(t, e.URL)
	if doc.Raw["openapi"] != "3.1.0" {
		t.Errorf("openapi %v", doc.Raw["openapi"])
	}
	routes := api.Routes()
	n := 0
	for _, route := range routes {
		method, path, _ := strings.Cut(route, " ")
		if strings.HasPrefix(path, "/v1/openapi") {
			continue
		}
		n++
		if doc.Operation(method, path) == nil {
			t.Errorf("route %s is not in the OpenAPI document", route)
		}
	}
	if n < 10 {
		t.Errorf("only %d routes: %v", n, routes)
	}
}

// TestSessionCookieApp: the console's session, signed in through the
// account service, authenticates API requests too.
func TestSessionCookieApp(t *testing.T) {
	e := start(t, app.AuthStrict)
	w := demo.Parties()
	token, _, err := e.App.Accounts.SignIn(context.Background(), accountSignIn(w.Buyer))
	if err != nil {
		t.Fatal(err)
	}
	c := e.Buyer.As("", "")
	c.Header = http.Header{"Cookie": {nativeapi.SessionCookie + "=" + token}}
	var who nativeapi.WhoAmI
	c.Do(http.MethodGet, "/v1/whoami", nil).Want(t, 200).JSON(t, &who)
	if who.AccountId != e.BuyerID || who.AuthenticatedBy != "session" {
		t.Errorf("whoami %+v", who)
	}
}

// TestEmulatorMode: as for the AWS APIs, any key works; a 12-digit key ID
// selects the account.
func TestEmulatorMode(t *testing.T) {
	e := start(t, app.AuthEmulator)
	var who nativeapi.WhoAmI
	e.Buyer.As("210987654321", "whatever").Do(http.MethodGet, "/v1/whoami", nil).Want(t, 200).JSON(t, &who)
	if who.AccountId != "210987654321" {
		t.Errorf("whoami %+v", who)
	}
	e.Buyer.As("", "").Do(http.MethodGet, "/v1/whoami", nil).Want(t, 200).JSON(t, &who)
	if who.AccountId != app.DefaultEmulatorAccount {
		t.Errorf("unsigned: %+v", who)
	}
}

func accountSignIn(p demo.Party) account.SignInInput {
	return account.SignInInput{AccountID: p.Account.ID, Password: p.Password}
}

// third adds an account that is neither the demo seller nor its buyer, nor
// an operator, and returns a client signing as it.
func (e *env) third(t *testing.T) (*apitest.Client, string) {
	t.Helper()
	acct, key, err := e.App.Accounts.Create(context.Background(), account.CreateAccountInput{Name: "Third Party"})
	if err != nil {
		t.Fatal(err)
	}
	return e.Buyer.As(key.ID, key.Secret), acct.ID
}

func TestSubscriptions(t *testing.T)         { testSubscriptions(t, start(t, app.AuthStrict)) }
func TestSubscriptionsPostgres(t *testing.T) { testSubscriptions(t, startPostgres(t)) }

func testSubscriptions(t *testing.T, e *env) {
	p := createProduct(t, e.Seller, acmeAnalytics("Subscribed"))
	third, thirdID := e.third(t)
	r := e.Buyer.Do(http.MethodPost, "/v1/subscriptions",
		nativeapi.SubscribeRequest{ProductCode: p.ProductCode, Annual: map[string]int64{"m5.large": 2}}).Want(t, http.StatusCreated)
	var s nativeapi.Subscription
	r.JSON(t, &s)
	if r.Header.Get("Location") != "/v1/subscriptions/"+s.SubscriptionId || !strings.HasPrefix(s.SubscriptionId, "sub-") {
		t.Errorf("Location %q for %s", r.Header.Get("Location"), s.SubscriptionId)
	}
	if s.Status != "active" || s.BuyerAccountId != e.BuyerID || s.SellerAccountId != e.SellerID || s.ProductId != p.ProductId ||
		s.Annual["m5.large"] != 2 || s.TermEndsAt == nil || s.PriceVersion != 1 {
		t.Errorf("subscription %+v", s)
	}
	path := "/v1/subscriptions/" + s.SubscriptionId

	t.Run("who sees it", func(t *testing.T) {
		for _, c := range []*apitest.Client{e.Buyer, e.Seller, e.Operator} {
			var got nativeapi.Subscription
			c.Do(http.MethodGet, path, nil).Want(t, 200).JSON(t, &got)
			if got.SubscriptionId != s.SubscriptionId {
				t.Errorf("got %+v", got)
			}
		}
		if pr := problem(t, third.Do(http.MethodGet, path, nil).Want(t, 404)); pr.Code != "not_found" {
			t.Errorf("a third account: %s", pr.Code)
		}
		lists := []struct {
			c     *apitest.Client
			query string
			sees  bool
		}{
			{e.Buyer, "", true}, {e.Seller, "?Role=seller", true}, {e.Seller, "", false},
			{third, "", false}, {third, "?Role=seller", false}, {e.Buyer, "?Role=seller", false},
			{e.Seller, "?Role=seller&ProductId=" + p.ProductId, true},
		}
		for _, l := range lists {
			var list nativeapi.SubscriptionList
			l.c.Do(http.MethodGet, "/v1/subscriptions"+l.query, nil).Want(t, 200).JSON(t, &list)
			seen := slices.ContainsFunc(list.Subscriptions, func(x nativeapi.Subscription) bool { return x.SubscriptionId == s.SubscriptionId })
			if seen != l.sees {
				t.Errorf("%s lists %s: %v, want %v", l.c.Key, l.query, seen, l.sees)
			}
		}
		pr := problem(t, third.Do(http.MethodGet, "/v1/subscriptions?Role=operator", nil).Want(t, 403))
		if pr.Code != "forbidden" {
			t.Errorf("a non-operator lists every subscription: %s", pr.Code)
		}
	})

	t.Run("the seller's subscribers", func(t *testing.T) {
		var list nativeapi.SubscriptionList
		e.Seller.Do(http.MethodGet, "/v1/products/"+p.ProductId+"/subscribers", nil).Want(t, 200).JSON(t, &list)
		if len(list.Subscriptions) != 1 || list.Subscriptions[0].SubscriptionId != s.SubscriptionId {
			t.Errorf("subscribers %+v", list)
		}
		for _, c := range []*apitest.Client{third, e.Buyer} {
			if pr := problem(t, c.Do(http.MethodGet, "/v1/products/"+p.ProductId+"/subscribers", nil).Want(t, 403)); pr.Code != "forbidden" {
				t.Errorf("another account lists the subscribers: %s", pr.Code)
			}
		}
	})

	t.Run("charges", func(t *testing.T) {
		var list nativeapi.ChargeList
		e.Buyer.Do(http.MethodGet, path+"/charges", nil).Want(t, 200).JSON(t, &list)
		kinds := map[string]string{}
		for _, c := range list.Charges {
			kinds[c.Kind] = c.Amount
			if c.Currency != "USD" || c.PriceVersion != 1 || c.SubscriptionId != s.SubscriptionId {
				t.Errorf("charge %+v", c)
			}
		}
		if kinds["sign-up-fee"] != "10.00" || kinds["annual-fee"] != "6000.00" {
			t.Errorf("charges %v", kinds)
		}
		problem(t, third.Do(http.MethodGet, path+"/charges", nil).Want(t, 404))
	})

	t.Run("confirmation and entitlement", func(t *testing.T) {
		var c nativeapi.Confirmation
		e.Seller.Do(http.MethodGet, apitest.Query("/v1/subscription-confirmations", "ProductCode", p.ProductCode, "AccountId", e.BuyerID), nil).
			Want(t, 200).JSON(t, &c)
		if !c.Subscribed || c.SubscriptionId != s.SubscriptionId || c.Status != "active" {
			t.Errorf("confirmation %+v", c)
		}
		e.Seller.Do(http.MethodGet, apitest.Query("/v1/subscription-confirmations", "ProductCode", p.ProductCode, "AccountId", thirdID), nil).
			Want(t, 200).JSON(t, &c)
		if c.Subscribed {
			t.Errorf("a non-subscriber confirmed: %+v", c)
		}
		third.Do(http.MethodGet, apitest.Query("/v1/subscription-confirmations", "ProductCode", p.ProductCode, "AccountId", e.BuyerID), nil).
			Want(t, 404)
		if pr := problem(t, e.Seller.Do(http.MethodGet, "/v1/subscription-confirmations", nil).Want(t, 400)); len(pr.Errors) != 2 {
			t.Errorf("no parameters: %+v", pr)
		}
		checkEntitled(t, e.Buyer, p.ProductCode, "m5.large", true)
		checkEntitled(t, third, p.ProductCode, "m5.large", false)
		checkEntitled(t, e.Buyer, p.ProductCode, "c5.large", false) // not one of the product's types
	})

	t.Run("cancel", func(t *testing.T) {
		problem(t, third.Do(http.MethodDelete, path, nil).Want(t, 404))
		var got nativeapi.Subscription
		e.Buyer.Do(http.MethodDelete, path, nil).Want(t, 200).JSON(t, &got)
		if got.Status != "cancelled" || got.CancelledAt == nil {
			t.Errorf("cancelled %+v", got)
		}
		checkEntitled(t, e.Buyer, p.ProductCode, "m5.large", false)
		var list nativeapi.ChargeList
		e.Buyer.Do(http.MethodGet, path+"/charges", nil).Want(t, 200).JSON(t, &list)
		if !slices.ContainsFunc(list.Charges, func(c nativeapi.Charge) bool { return c.Kind == "refund" && strings.HasPrefix(c.Amount, "-") }) {
			t.Errorf("no refund in %+v", list.Charges)
		}
	})

	t.Run("bad sign-ups", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"unknown product code", nativeapi.SubscribeRequest{ProductCode: "nosuchproductcode0000000"}, 404, ""},
			{"no product", nativeapi.SubscribeRequest{}, 400, "ProductCode"},
			{"a negative quantity", nativeapi.SubscribeRequest{ProductCode: p.ProductCode, Annual: map[string]int64{"m5.large": -1}}, 400, "Annual.m5.large"},
			{"a quantity that is not a number", `{"ProductCode": "` + p.ProductCode + `", "Annual": {"m5.large": "two"}}`, 400, "Annual.m5.large"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				pr := problem(t, third.Do(http.MethodPost, "/v1/subscriptions", tc.body).Want(t, tc.status))
				if tc.field != "" && !slices.ContainsFunc(pr.Errors, func(f nativeapi.FieldProblem) bool { return f.Field == tc.field }) {
					t.Errorf("no error for %s: %+v", tc.field, pr)
				}
			})
		}
	})
}

func checkEntitled(t *testing.T, c *apitest.Client, code, instanceType string, want bool) {
	t.Helper()
	var ent nativeapi.Entitlement
	c.Do(http.MethodGet, apitest.Query("/v1/entitlements", "ProductCode", code, "InstanceType", instanceType), nil).Want(t, 200).JSON(t, &ent)
	if ent.Entitled != want || ent.ProductCode != code || (!want && ent.Reason == "") {
		t.Errorf("entitlement of %s to %s on %s: %+v, want %v", c.Key, code, instanceType, ent, want)
	}
}

// TestContractAndOffer: a contract bought through the API is issued a
// license, and changes; a private offer is signed up to by its buyer only.
func TestContractAndOffer(t *testing.T) {
	e := start(t, app.AuthStrict)
	contract := createProduct(t, e.Seller, map[string]any{"Name": "Acme Seats", "Kind": "contract",
		"Pricing": map[string]any{"Contract": map[string]any{"Durations": []string{"P1M", "P12M"}, "Dimensions": []any{
			map[string]any{"Name": "Seats", "Unit": "Count", "Type": "Configurable", "Price": map[string]string{"P1M": "10.00", "P12M": "100.00"}},
			map[string]any{"Name": "Edition", "Type": "Tiered", "Tiers": map[string]any{
				"BasicTier": map[string]string{"P1M": "0.00", "P12M": "0.00"}, "ProfessionalTier": map[string]string{"P1M": "50.00", "P12M": "500.00"}}}}}}})
	var s nativeapi.Subscription
	e.Buyer.Do(http.MethodPost, "/v1/subscriptions", nativeapi.SubscribeRequest{ProductCode: contract.ProductCode,
		Contract: &nativeapi.ContractTerms{Duration: "P12M", Quantities: map[string]int64{"Seats": 3}, Tier: "ProfessionalTier"}}).
		Want(t, http.StatusCreated).JSON(t, &s)
	if s.LicenseArn == "" || s.Contract == nil || s.Contract.Quantities["Seats"] != 3 || s.Contract.Tier != "ProfessionalTier" {
		t.Errorf("contract %+v", s)
	}
	var changed nativeapi.Subscription
	e.Buyer.Do(http.MethodPost, "/v1/subscriptions/"+s.SubscriptionId+"/change", nativeapi.ChangeSubscriptionRequest{
		Contract: &nativeapi.ContractTerms{Duration: "P12M", Quantities: map[string]int64{"Seats": 5}, Tier: "ProfessionalTier"}}).
		Want(t, 200).JSON(t, &changed)
	if changed.Contract == nil || changed.Contract.Quantities["Seats"] != 5 || changed.LicenseArn != s.LicenseArn {
		t.Errorf("changed %+v", changed)
	}

	image := createProduct(t, e.Seller, acmeAnalytics("Offered"))
	var o nativeapi.Offer
	e.Seller.Do(http.MethodPost, "/v1/offers", nativeapi.CreateOfferRequest{ProductId: image.ProductId, Buyers: []string{e.BuyerID},
		DurationMonths: 12, Pricing: nativeapi.Pricing{Hourly: map[string]string{"m5.large": "0.40", "m5.xlarge": "0.80"},
			Annual: map[string]string{"m5.large": "2500.00", "m5.xlarge": "5000.00"}}}).Want(t, http.StatusCreated).JSON(t, &o)
	third, _ := e.third(t)
	problem(t, third.Do(http.MethodPost, "/v1/subscriptions", nativeapi.SubscribeRequest{OfferId: o.OfferId}).Want(t, 404))
	var viaOffer nativeapi.Subscription
	e.Buyer.Do(http.MethodPost, "/v1/subscriptions", nativeapi.SubscribeRequest{OfferId: o.OfferId,
		Annual: map[string]int64{"m5.large": 1}}).Want(t, http.StatusCreated).JSON(t, &viaOffer)
	if viaOffer.OfferId != o.OfferId || viaOffer.ProductId != image.ProductId {
		t.Errorf("offer sign-up %+v", viaOffer)
	}
}
