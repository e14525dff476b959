package main

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/demo"
	"github.com/tollgate/tollgate/internal/nativeapi"
	"github.com/tollgate/tollgate/internal/store"
)

// clientServer serves a demo world in this process for the client
// commands, and sets the environment they read to the given party's keys.
func clientServer(t *testing.T, p demo.Party) string {
	t.Helper()
	a, err := app.Open(t.Context(), app.Config{Store: store.Config{DataDir: t.TempDir()}, Demo: true,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	setKeys(t, p)
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_REGION", "eu-central-1")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_SESSION_TOKEN", "")
	return srv.URL
}

func setKeys(t *testing.T, p demo.Party) {
	t.Setenv("AWS_ACCESS_KEY_ID", p.Key.ID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", p.Key.Secret)
}

// TestClientCommands runs the client commands against a live server: a
// seller registers a product from a file, a buyer subscribes with annual
// quantities and is entitled, lists, reads and cancels, and is entitled no
// more; an offer is made and listed.
func TestClientCommands(t *testing.T) {
	w := demo.Parties()
	url := clientServer(t, w.Seller)
	dir := t.TempDir()
	productFile := filepath.Join(dir, "product.json")
	writeJSON(t, productFile, `{"Name": "CLI Analytics", "Kind": "paid-image", "InstanceTypes": ["m5.large", "m5.xlarge"],
		"Pricing": {"SignUpFee": "10.00", "Hourly": {"m5.large": "0.50", "m5.xlarge": "1.00"},
		            "Annual": {"m5.large": "3000.00", "m5.xlarge": "6000.00"}}}`)

	var who nativeapi.WhoAmI
	decode(t, cliEnv(t, "whoami"), &who)
	if who.AccountId != w.Seller.Account.ID || who.AuthenticatedBy != "sigv4" {
		t.Errorf("whoami %+v", who)
	}

	var p nativeapi.Product
	decode(t, cliEnv(t, "product", "create", "--file", productFile), &p)
	if p.PurchaseUrl != url+"/purchase/"+p.ProductCode || p.ProductToken == "" {
		t.Errorf("created %+v", p)
	}
	var got nativeapi.Product
	decode(t, cliEnv(t, "product", "get", p.ProductId), &got)
	var list nativeapi.ProductList
	decode(t, cliEnv(t, "product", "list"), &list)
	if got.ProductCode != p.ProductCode || !containsProduct(list.Products, p.ProductId) {
		t.Errorf("get %+v, list %+v", got, list)
	}

	offerFile := filepath.Join(dir, "offer.json")
	writeJSON(t, offerFile, `{"ProductId": "`+p.ProductId+`", "Buyers": ["`+w.Buyer.Account.ID+`"], "DurationMonths": 12,
		"Pricing": {"Hourly": {"m5.large": "0.40", "m5.xlarge": "0.80"}, "Annual": {"m5.large": "2500.00", "m5.xlarge": "5000.00"}}}`)
	var o nativeapi.Offer
	decode(t, cliEnv(t, "offer", "create", "--file", offerFile), &o)
	var offers nativeapi.OfferList
	decode(t, cliEnv(t, "offer", "list"), &offers)
	if len(offers.Offers) != 1 || offers.Offers[0].OfferId != o.OfferId {
		t.Errorf("offers %+v", offers)
	}

	setKeys(t, w.Buyer)
	var s nativeapi.Subscription
	decode(t, cliEnv(t, "subscribe", "--product-code", p.ProductCode, "--annual", "m5.large=2", "--annual", "m5.xlarge=1"), &s)
	if s.Status != "active" || s.Annual["m5.large"] != 2 || s.Annual["m5.xlarge"] != 1 {
		t.Errorf("subscribed %+v", s)
	}
	var ent nativeapi.Entitlement
	decode(t, cliEnv(t, "entitlement", "check", "--product-code", p.ProductCode, "--instance-type", "m5.large"), &ent)
	if !ent.Entitled || ent.SubscriptionId != s.SubscriptionId {
		t.Errorf("entitlement %+v", ent)
	}
	var subs nativeapi.SubscriptionList
	decode(t, cliEnv(t, "subscription", "list"), &subs)
	if len(subs.Subscriptions) == 0 {
		t.Errorf("no subscriptions listed")
	}
	decode(t, cliEnv(t, "subscription", "get", s.SubscriptionId), &s)
	decode(t, cliEnv(t, "subscription", "cancel", s.SubscriptionId), &s)
	if s.Status != "cancelled" {
		t.Errorf("cancel: %+v", s)
	}
	decode(t, cliEnv(t, "entitlement", "check", "--product-code", p.ProductCode), &ent)
	if ent.Entitled {
		t.Errorf("entitled after cancelling: %+v", ent)
	}

	setKeys(t, w.Seller)
	var sellers nativeapi.SubscriptionList
	decode(t, cliEnv(t, "subscription", "list", "--role", "seller", "--product-id", p.ProductId), &sellers)
	if len(sellers.Subscriptions) != 1 || sellers.Subscriptions[0].SubscriptionId != s.SubscriptionId {
		t.Errorf("the seller's subscribers %+v", sellers)
	}
}

// TestClientContractCommands: offer get, subscription change (an upgrade
// that names only what changes, then a renewal), subscription charges and
// subscription confirm.
func TestClientContractCommands(t *testing.T) {
	w := demo.Parties()
	clientServer(t, w.Seller)
	dir := t.TempDir()
	productFile := filepath.Join(dir, "contract.json")
	writeJSON(t, productFile, `{"Name": "CLI Seats", "Kind": "contract",
		"Pricing": {"Contract": {"Durations": ["P1M", "P12M"], "Dimensions": [
			{"Name": "Seats", "Unit": "Count", "Type": "Configurable", "Floating": true, "Price": {"P1M": "10.00", "P12M": "100.00"}},
			{"Name": "Edition", "Type": "Tiered", "Tiers": {"BasicTier": {"P1M": "0.00", "P12M": "0.00"},
				"ProfessionalTier": {"P1M": "50.00", "P12M": "500.00"}}}]}}}`)
	var p nativeapi.Product
	decode(t, cliEnv(t, "product", "create", "--file", productFile), &p)

	offerFile := filepath.Join(dir, "offer.json")
	writeJSON(t, offerFile, `{"ProductId": "`+p.ProductId+`", "Buyers": ["`+w.Buyer.Account.ID+`"], "DurationMonths": 12,
		"Pricing": {"Contract": {"Durations": ["P12M"], "Dimensions": [
			{"Name": "Seats", "Unit": "Count", "Type": "Configurable", "Floating": true, "Price": {"P12M": "90.00"}}]}}}`)
	var o, got nativeapi.Offer
	decode(t, cliEnv(t, "offer", "create", "--file", offerFile), &o)
	decode(t, cliEnv(t, "offer", "get", o.OfferId), &got)
	if got.OfferId != o.OfferId || got.PurchaseUrl != o.PurchaseUrl {
		t.Errorf("offer get %+v, want %+v", got, o)
	}

	setKeys(t, w.Buyer)
	var s nativeapi.Subscription
	decode(t, cliEnv(t, "subscribe", "--product-code", p.ProductCode, "--duration", "P12M", "--quantity", "Seats=3", "--tier", "BasicTier"), &s)
	if r := cliEnv(t, "subscription", "change", s.SubscriptionId); r.code != 2 || !strings.Contains(r.stderr, "needs --quantity, --tier, --duration or --renew") {
		t.Errorf("change with nothing to change: exit %d, stderr %q; want 2 and what to give", r.code, r.stderr)
	}
	decode(t, cliEnv(t, "subscription", "change", s.SubscriptionId, "--quantity", "Seats=5"), &s)
	if c := s.Contract; c == nil || c.Quantities["Seats"] != 5 || c.Tier != "BasicTier" || c.Duration != "P12M" {
		t.Errorf("after the upgrade to 5 seats: %+v; want the tier and duration kept", s.Contract)
	}
	if r := cliEnv(t, "subscription", "change", s.SubscriptionId, "--quantity", "Seats=2"); r.code != 1 || !strings.Contains(r.stderr, "cannot reduce Seats below 5") {
		t.Errorf("an upgrade to fewer seats: exit %d, stderr %q; want 1 and the reason", r.code, r.stderr)
	}
	decode(t, cliEnv(t, "subscription", "change", s.SubscriptionId, "--renew", "--duration", "P1M", "--quantity", "Seats=2"), &s)
	if c := s.Contract; c == nil || c.Quantities["Seats"] != 2 || c.Duration != "P1M" {
		t.Errorf("after renewing for a month with 2 seats: %+v", s.Contract)
	}
	var charges nativeapi.ChargeList
	decode(t, cliEnv(t, "subscription", "charges", s.SubscriptionId), &charges)
	if len(charges.Charges) < 3 {
		t.Errorf("charges after sign-up, upgrade and renewal: %+v; want at least 3", charges.Charges)
	}

	setKeys(t, w.Seller)
	var c nativeapi.Confirmation
	decode(t, cliEnv(t, "subscription", "confirm", "--product-code", p.ProductCode, "--account-id", w.Buyer.Account.ID), &c)
	if !c.Subscribed || c.SubscriptionId != s.SubscriptionId {
		t.Errorf("confirm %+v", c)
	}
}

func containsProduct(ps []nativeapi.Product, id string) bool {
	for _, p := range ps {
		if p.ProductId == id {
			return true
		}
	}
	return false
}

// TestClientProblems: an error answer is printed readably, each invalid
// field on its own line, and the command exits 1; flags win over the
// environment; missing keys and an unreachable server are told plainly.
func TestClientProblems(t *testing.T) {
	w := demo.Parties()
	url := clientServer(t, w.Seller)
	bad := filepath.Join(t.TempDir(), "bad.json")
	writeJSON(t, bad, `{"Name": "", "Kind": "paid-image", "InstanceTypes": ["m5.large"],
		"Pricing": {"Hourly": {"m5.large": "-1"}, "SignUpFee": "1e3"}}`)
	o := cliEnv(t, "product", "create", "--file", bad)
	lines := strings.Split(strings.TrimSuffix(o.stderr, "\n"), "\n")
	if o.code != exitFailure || o.stdout != "" || len(lines) < 5 ||
		!strings.HasPrefix(lines[0], "tollgate: ") || !strings.Contains(lines[0], "(invalid_request, HTTP 400)") {
		t.Fatalf("want exit 1 and the problem on stderr; got %s", o)
	}
	for _, want := range []string{"  Name: is required [required]", "  Pricing.Hourly.m5.large: must not be negative [negative]",
		"  Pricing.SignUpFee: ", "  request ID: "} {
		if !strings.Contains(o.stderr, "\n"+want) {
			t.Errorf("stderr lacks the line %q:\n%s", want, o.stderr)
		}
	}

	// A wrong secret from the flags wins over the right one in the
	// environment.
	wantProblem(t, cliEnv(t, "whoami", "--secret-access-key", "wrong-secret"), "(signature_mismatch, HTTP 401)")
	wantProblem(t, cliEnv(t, "product", "get", "prod-00000000000000000"), "product prod-00000000000000000 does not exist (not_found, HTTP 404)")

	t.Setenv("AWS_ACCESS_KEY_ID", "")
	o = cliEnv(t, "whoami")
	if o.code != exitUsage || !strings.Contains(o.stderr, "no credentials") {
		t.Errorf("without keys: %s", o)
	}
	setKeys(t, w.Seller)
	o = cliEnv(t, "whoami", "--endpoint-url", "http://127.0.0.1:1")
	wantFailure(t, o, "cannot reach the server at http://127.0.0.1:1")
	o = cliEnv(t, "whoami", "--endpoint-url", "ftp://example")
	if o.code != exitUsage {
		t.Errorf("an ftp endpoint: %s", o)
	}
	o = cliEnv(t, "subscribe", "--annual", "m5.large=2")
	if o.code != exitUsage || !strings.Contains(o.stderr, "--product-code or --offer") {
		t.Errorf("subscribe without a product: %s", o)
	}
	o = cliEnv(t, "subscribe", "--product-code", "x", "--quantity", "Seats")
	if o.code != exitUsage || !strings.Contains(o.stderr, "NAME=N") {
		t.Errorf("a malformed --quantity: %s", o)
	}
	notJSON := filepath.Join(t.TempDir(), "p.json")
	if err := os.WriteFile(notJSON, []byte("Name: x"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantFailure(t, cliEnv(t, "product", "create", "--file", notJSON, "--endpoint-url", url), "is not JSON")
}

// wantProblem checks an error answer's printing: exit 1, nothing on stdout,
// a first line "tollgate: DETAIL (CODE, HTTP STATUS)" with want in it.
func wantProblem(t *testing.T, o outcome, want string) {
	t.Helper()
	first, _, _ := strings.Cut(o.stderr, "\n")
	if o.code != exitFailure || o.stdout != "" || !strings.HasPrefix(first, "tollgate: ") || !strings.Contains(first, want) {
		t.Errorf("want exit 1 and a first line \"tollgate: ...%s...\"; got %s", want, o)
	}
}

// TestClientHelp: every client command's help has examples and says where
// the endpoint and keys come from.
func TestClientHelp(t *testing.T) {
	for _, path := range commandPaths() {
		cmd := find(t, path)
		if cmd.Flags().Lookup("endpoint-url") == nil {
			continue
		}
		o := cli(t, append(append([]string{}, path...), "--help")...)
		_, examples, _ := strings.Cut(o.stdout, "Examples:\n")
		if !strings.Contains(examples, "  tollgate "+strings.Join(path, " ")) {
			t.Errorf("tollgate %s --help has no example of it:\n%s", strings.Join(path, " "), o.stdout)
		}
		wants := []string{"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "--endpoint-url URL", "--access-key-id KEY", "--secret-access-key SECRET", "--region REGION"}
		if cmd.Annotations[unsigned] != "" {
			wants = []string{"AWS_ENDPOINT_URL", "--endpoint-url URL", "no keys are needed"}
		}
		for _, want := range wants {
			if !strings.Contains(o.stdout, want) {
				t.Errorf("tollgate %s --help lacks %q:\n%s", strings.Join(path, " "), want, o.stdout)
			}
		}
	}
}
