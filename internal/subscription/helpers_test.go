package subscription_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/money"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
	"github.com/tollgate/tollgate/internal/subscription"
)

// The accounts of the tests.
const (
	seller   = "111111111111"
	buyer    = "222222222222"
	other    = "333333333333" // another buyer, or a stranger
	seller2  = "444444444444"
	operator = "999999999999"
)

// start is where the clocks start: the 14th of a 31-day month, mid-day,
// so that the first monthly fee is 18 of 31 days.
var start = time.Date(2030, time.March, 14, 12, 30, 0, 0, time.UTC)

// fakeCatalog is catalog.Store in memory: the tests put products and
// offers in it as they are, without the catalog's validation.
type fakeCatalog struct {
	mu       sync.Mutex
	products map[string]catalog.Product
	versions map[string][]catalog.PriceVersion
	offers   map[string]catalog.Offer
	types    []catalog.InstanceType
}

var _ catalog.Store = (*fakeCatalog)(nil)

func newFakeCatalog() *fakeCatalog {
	return &fakeCatalog{products: map[string]catalog.Product{}, versions: map[string][]catalog.PriceVersion{}, offers: map[string]catalog.Offer{}}
}

func (f *fakeCatalog) CreateProduct(_ context.Context, p catalog.Product, v catalog.PriceVersion) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, q := range f.products {
		if q.Code == p.Code || q.ID == p.ID {
			return fault.New(fault.Conflict, "taken")
		}
	}
	f.products[p.ID] = p
	f.versions[p.ID] = []catalog.PriceVersion{v}
	return nil
}

func (f *fakeCatalog) GetProduct(_ context.Context, id string) (catalog.Product, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.products[id]
	if !ok {
		return p, fault.New(fault.NotFound, "product %s does not exist", id)
	}
	return p, nil
}

func (f *fakeCatalog) ProductByCode(_ context.Context, code string) (catalog.Product, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.products {
		if p.Code == code {
			return p, nil
		}
	}
	return catalog.Product{}, fault.New(fault.NotFound, "product code %s does not exist", code)
}

func (f *fakeCatalog) ListProductsBySeller(_ context.Context, seller, after string, limit int) ([]catalog.Product, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []catalog.Product
	for _, p := range f.products {
		if p.Seller == seller && p.ID > after {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b catalog.Product) int { return cmpString(a.ID, b.ID) })
	return out[:min(limit, len(out))], nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (f *fakeCatalog) UpdateProduct(_ context.Context, p catalog.Product) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.products[p.ID] = p
	return nil
}

func (f *fakeCatalog) AddPriceVersion(_ context.Context, v catalog.PriceVersion) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	vs := f.versions[v.ProductID]
	if len(vs) == 0 || vs[len(vs)-1].Version+1 != v.Version {
		return fault.New(fault.Conflict, "not the next version")
	}
	f.versions[v.ProductID] = append(vs, v)
	p := f.products[v.ProductID]
	p.Pricing, p.PriceVersion = v.Pricing, v.Version
	f.products[v.ProductID] = p
	return nil
}

func (f *fakeCatalog) ListPriceVersions(_ context.Context, productID string) ([]catalog.PriceVersion, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.versions[productID]), nil
}

func (f *fakeCatalog) CreateOffer(_ context.Context, o catalog.Offer) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.offers[o.ID] = o
	return nil
}

func (f *fakeCatalog) GetOffer(_ context.Context, id string) (catalog.Offer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.offers[id]
	if !ok {
		return o, fault.New(fault.NotFound, "offer %s does not exist", id)
	}
	return o, nil
}

func (f *fakeCatalog) ListOffersBySeller(context.Context, string) ([]catalog.Offer, error) {
	return nil, nil
}
func (f *fakeCatalog) ListOffersForBuyer(context.Context, string) ([]catalog.Offer, error) {
	return nil, nil
}

func (f *fakeCatalog) PutInstanceTypes(_ context.Context, types []catalog.InstanceType) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.types = types
	return nil
}

func (f *fakeCatalog) InstanceTypes(context.Context) ([]catalog.InstanceType, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.types, nil
}

// operators says which accounts are operators.
type operators map[string]bool

func (o operators) IsOperator(_ context.Context, account string) (bool, error) {
	return o[account], nil
}

// env is a subscription service over a real store, with the license
// manager on the same store and a catalog held in memory.
type env struct {
	t        *testing.T
	db       *store.DB
	clk      *clock.Manual // the services' clock
	fresh    *clock.Manual // the entitlement cache's freshness clock
	catalog  *fakeCatalog
	licenses *license.Service
	svc      *subscription.Service
	tokens   int // client tokens drawn
}

type backend func(t *testing.T) *store.DB

var (
	sqlite   backend = storetest.SQLite
	postgres backend = func(t *testing.T) *store.DB { return storetest.Postgres(storetest.PostgresURL(t))(t) }
)

// backends runs fn on SQLite, and on PostgreSQL when it is configured.
func backends(t *testing.T, fn func(t *testing.T, open backend)) {
	t.Run("SQLite", func(t *testing.T) { fn(t, sqlite) })
	t.Run("Postgres", func(t *testing.T) { fn(t, postgres) })
}

func newEnv(t *testing.T, open backend) *env {
	t.Helper()
	db := open(t)
	clk := clock.NewManual(start)
	db.SetClock(clk)
	e := &env{t: t, db: db, clk: clk, fresh: clock.NewManual(start), catalog: newFakeCatalog()}
	e.licenses = license.NewService(db.Licenses(), clk, operators{}, license.Config{})
	e.svc = e.service(db, e.licenses)
	return e
}

// service returns another service over db, with its own entitlement
// cache, on the environment's clocks: another replica.
func (e *env) service(db *store.DB, lic subscription.Licenser) *subscription.Service {
	return subscription.NewService(db.Subscriptions(), catalog.NewService(e.catalog, e.clk), lic, operators{operator: true}, e.clk,
		subscription.WithChecker(subscription.CheckerConfig{Fresh: e.fresh}))
}

// put stores a product as it is, at price version 1.
func (e *env) put(p catalog.Product) catalog.Product {
	e.t.Helper()
	p.PriceVersion = 1
	if err := e.catalog.CreateProduct(e.t.Context(), p, catalog.PriceVersion{ProductID: p.ID, Version: 1, Pricing: p.Pricing, EffectiveAt: start}); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) subscribe(who string, in subscription.SubscribeInput) subscription.Subscription {
	e.t.Helper()
	sub, err := e.svc.Subscribe(e.t.Context(), who, in)
	if err != nil {
		e.t.Fatalf("subscribe %s to %s: %v", who, in.ProductCode, err)
	}
	return sub
}

func (e *env) charges(sub subscription.Subscription) []subscription.Charge {
	e.t.Helper()
	cs, err := e.svc.Charges(e.t.Context(), sub.Buyer, sub.ID)
	if err != nil {
		e.t.Fatalf("charges of %s: %v", sub.ID, err)
	}
	return cs
}

func (e *env) check(account, code, instanceType string) subscription.Decision {
	e.t.Helper()
	d, err := e.svc.Checker().Check(e.t.Context(), subscription.Query{Account: account, ProductCode: code, InstanceType: instanceType, At: e.clk.Now()})
	if err != nil {
		e.t.Fatalf("check %s %s: %v", account, code, err)
	}
	return d
}

func usd(s string) money.Amount { return money.MustParse(s) }

// The products of the tests.
func hourlyProduct() catalog.Product {
	return catalog.Product{
		ID: "prod-00000000000000001", Seller: seller, Name: "Acme Hourly", Kind: catalog.PaidImage,
		InstanceTypes: []string{"m5.large", "m5.xlarge"}, Code: "hourly0000000000000000001",
		Pricing: catalog.Pricing{SignUpFee: usd("10.00"), MonthlyFee: usd("31.00"),
			Hourly: map[string]money.Amount{"m5.large": usd("0.50"), "m5.xlarge": usd("1.00")}},
	}
}

func annualProduct() catalog.Product {
	return catalog.Product{
		ID: "prod-00000000000000002", Seller: seller, Name: "Acme Annual", Kind: catalog.PaidImage,
		InstanceTypes: []string{"m5.large", "m5.xlarge"}, Code: "annual0000000000000000002",
		Pricing: catalog.Pricing{SignUpFee: usd("10.00"),
			Hourly: map[string]money.Amount{"m5.large": usd("0.50"), "m5.xlarge": usd("1.00")},
			Annual: map[string]money.Amount{"m5.large": usd("3000.00"), "m5.xlarge": usd("6000.00")}},
	}
}

func trialProduct() catalog.Product {
	return catalog.Product{
		ID: "prod-00000000000000003", Seller: seller2, Name: "Acme Trial", Kind: catalog.SupportedImage,
		Code:    "trial00000000000000000003",
		Pricing: catalog.Pricing{FreeTrialDays: 14, Hourly: map[string]money.Amount{"m5.large": usd("0.25")}},
	}
}

func contractProduct() catalog.Product {
	return catalog.Product{
		ID: "prod-00000000000000004", Seller: seller, Name: "Acme Seats", Kind: catalog.Contract,
		Code: "seats0000000000000000004",
		Pricing: catalog.Pricing{Contract: &catalog.ContractPricing{
			Durations: []catalog.Duration{"P1M", "P12M"},
			Dimensions: []catalog.ContractDimension{
				{Name: "Seats", Unit: "Count", Type: catalog.Configurable, Floating: true,
					Price: map[catalog.Duration]money.Amount{"P1M": usd("10.00"), "P12M": usd("100.00")}},
				{Name: "Storage", Unit: "Gigabytes", Type: catalog.Configurable,
					Price: map[catalog.Duration]money.Amount{"P12M": usd("0.50")}},
				{Name: "Edition", Type: catalog.Tiered, Tiers: map[string]map[catalog.Duration]money.Amount{
					"BasicTier":        {"P1M": usd("0.00"), "P12M": usd("0.00")},
					"ProfessionalTier": {"P12M": usd("500.00")},
				}},
			},
		}},
	}
}

// ignoreStamps leaves out what each run draws: charge IDs.
var ignoreStamps = cmpopts.IgnoreFields(subscription.Charge{}, "ID")

func diff(t *testing.T, what string, want, got any, opts ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Errorf("%s (-want +got):\n%s", what, d)
	}
}

func wantKind(t *testing.T, err error, kind fault.Kind) {
	t.Helper()
	if got := fault.KindOf(err); err == nil || got != kind {
		t.Fatalf("got %v (%v), want a %v fault", err, got, kind)
	}
}
