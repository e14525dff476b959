package catalog_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/money"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

const (
	seller = "111111111111"
	other  = "222222222222"
	buyerA = "333333333333"
	buyerB = "444444444444"
)

var t0 = time.Date(2026, time.June, 1, 12, 0, 0, 0, time.UTC)

// newService returns a catalog over a fresh SQLite store, on a manual clock
// at t0.
func newService(t *testing.T) (*catalog.Service, *clock.Manual) {
	t.Helper()
	clk := clock.NewManual(t0)
	return catalog.NewService(storetest.SQLite(t).Catalog(), clk), clk
}

func imageInput() catalog.CreateProductInput {
	return catalog.CreateProductInput{
		Name: "Acme Analytics", Kind: "paid-image", InstanceTypes: []string{"m5.large", "m5.xlarge"},
		Pricing: catalog.PricingInput{
			SignUpFee: "10.00",
			Hourly:    map[string]string{"m5.large": "0.50", "m5.xlarge": "1.00"},
			Annual:    map[string]string{"m5.large": "3000.00", "m5.xlarge": "6000.00"},
		},
	}
}

func contractInput() catalog.CreateProductInput {
	return catalog.CreateProductInput{
		Name: "Acme Seats", Kind: "contract",
		Pricing: catalog.PricingInput{Contract: &catalog.ContractPricingInput{
			Durations: []string{"P12M"},
			Dimensions: []catalog.ContractDimensionInput{
				{Name: "Seats", Unit: "Count", Type: "Configurable", Price: map[string]string{"P12M": "100.00"}},
			},
		}},
	}
}

func create(t *testing.T, s *catalog.Service, who string, in catalog.CreateProductInput) catalog.Product {
	t.Helper()
	p, err := s.CreateProduct(t.Context(), who, in)
	if err != nil {
		t.Fatalf("create product: %v", err)
	}
	return p
}

func fieldErrors(t *testing.T, err error) []fault.FieldError {
	t.Helper()
	f := fault.As(err)
	if err == nil || f.Kind != fault.Invalid {
		t.Fatalf("got %v, want an Invalid fault with fields", err)
	}
	return f.Fields
}

func wantFields(t *testing.T, err error, want ...fault.FieldError) {
	t.Helper()
	if d := cmp.Diff(want, fieldErrors(t, err)); d != "" {
		t.Errorf("errors mismatch (-want +got):\n%s", d)
	}
}

func fe(field, code, message string) fault.FieldError {
	return fault.FieldError{Field: field, Code: code, Message: message}
}

func wantKind(t *testing.T, err error, kind fault.Kind) {
	t.Helper()
	if !fault.Is(err, kind) {
		t.Fatalf("got %v, want a %v fault", err, kind)
	}
}

var (
	idPattern    = regexp.MustCompile(`^prod-[0-9a-f]{17}$`)
	codePattern  = regexp.MustCompile(`^[a-z0-9]{25}$`)
	tokenPattern = regexp.MustCompile(`^ptok-[0-9a-f]{40}$`)
)

func TestCreateProduct(t *testing.T) {
	s, _ := newService(t)
	p := create(t, s, seller, imageInput())
	if !idPattern.MatchString(p.ID) || !codePattern.MatchString(p.Code) || !tokenPattern.MatchString(p.Token) {
		t.Errorf("ID %q, code %q, token %q", p.ID, p.Code, p.Token)
	}
	want := catalog.Product{ID: p.ID, Seller: seller, Name: "Acme Analytics", Kind: catalog.PaidImage,
		InstanceTypes: []string{"m5.large", "m5.xlarge"}, Code: p.Code, Token: p.Token,
		Pricing: catalog.Pricing{SignUpFee: money.MustParse("10"),
			Hourly: map[string]money.Amount{"m5.large": money.MustParse("0.5"), "m5.xlarge": money.MustParse("1")},
			Annual: map[string]money.Amount{"m5.large": money.MustParse("3000"), "m5.xlarge": money.MustParse("6000")}},
		PriceVersion: 1, CreatedAt: t0, UpdatedAt: t0}
	if d := cmp.Diff(want, p); d != "" {
		t.Errorf("created product mismatch (-want +got):\n%s", d)
	}
	for name, get := range map[string]func() (catalog.Product, error){
		"by ID":   func() (catalog.Product, error) { return s.GetProduct(t.Context(), p.ID) },
		"by code": func() (catalog.Product, error) { return s.ProductByCode(t.Context(), p.Code) },
	} {
		got, err := get()
		if err != nil || !cmp.Equal(p, got) {
			t.Errorf("product %s: %v %s", name, err, cmp.Diff(p, got))
		}
	}
	vs, err := s.PriceVersions(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantV := []catalog.PriceVersion{{ProductID: p.ID, Version: 1, Pricing: p.Pricing, EffectiveAt: t0, CreatedAt: t0}}
	if d := cmp.Diff(wantV, vs); d != "" {
		t.Errorf("versions mismatch (-want +got):\n%s", d)
	}
	if catalog.PurchasePath(p.Code) != "/purchase/"+p.Code {
		t.Errorf("purchase path %q", catalog.PurchasePath(p.Code))
	}
	q := create(t, s, seller, imageInput())
	if q.ID == p.ID || q.Code == p.Code || q.Token == p.Token {
		t.Errorf("two products share an ID, code or token: %+v %+v", p, q)
	}
}

// TestCreateProductOneResponse: the instance types the catalogue lacks are
// reported with every rule broken elsewhere, in one error.
func TestCreateProductOneResponse(t *testing.T) {
	s, _ := newService(t)
	in := imageInput()
	in.Name = ""
	in.InstanceTypes = []string{"m5.large", "m9.huge"}
	in.Pricing.Hourly["m9.huge"], in.Pricing.Annual["m9.huge"] = "1", "2"
	delete(in.Pricing.Hourly, "m5.xlarge")
	delete(in.Pricing.Annual, "m5.xlarge")
	in.Pricing.SignUpFee = "-1"
	_, err := s.CreateProduct(t.Context(), seller, in)
	wantFields(t, err,
		fe("Name", "required", "is required"),
		fe("InstanceTypes[1]", "unknown_instance_type", "m9.huge is not in this marketplace's catalogue of instance types"),
		fe("Pricing.SignUpFee", "negative", "must not be negative"),
	)
	// Validate alone does not know the catalogue.
	wantFields(t, in.Validate(), fe("Name", "required", "is required"), fe("Pricing.SignUpFee", "negative", "must not be negative"))

	// Once the operator's catalogue is loaded, it is what counts.
	if err := s.LoadInstanceTypes(t.Context(), []catalog.InstanceType{{Name: "m9.huge", VCPUs: 64, MemoryMiB: 1 << 20, BaseHourly: 1}}); err != nil {
		t.Fatal(err)
	}
	in = imageInput()
	_, err = s.CreateProduct(t.Context(), seller, in)
	wantFields(t, err,
		fe("InstanceTypes[0]", "unknown_instance_type", "m5.large is not in this marketplace's catalogue of instance types"),
		fe("InstanceTypes[1]", "unknown_instance_type", "m5.xlarge is not in this marketplace's catalogue of instance types"),
	)
}

// scripted reads chunks in turn, then from crypto/rand.
type scripted struct{ chunks [][]byte }

func (r *scripted) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return rand.Read(p)
	}
	n := copy(p, r.chunks[0])
	if r.chunks[0] = r.chunks[0][n:]; len(r.chunks[0]) == 0 {
		r.chunks = r.chunks[1:]
	}
	return n, nil
}

// drawBytes is what one attempt at a product draws: 9 bytes of ID, 25 of
// code (none rejected below 252), 20 of token.
const drawBytes = 9 + 25 + 20

func TestCreateProductDrawsAgainOnConflict(t *testing.T) {
	s, _ := newService(t)
	same := bytes.Repeat([]byte{7}, drawBytes)
	s.SetRandom(&scripted{chunks: [][]byte{slices.Clone(same), slices.Clone(same)}})
	first := create(t, s, seller, imageInput())
	if first.Code != "hhhhhhhhhhhhhhhhhhhhhhhhh" {
		t.Fatalf("code from bytes of 7: %q", first.Code)
	}
	second := create(t, s, other, imageInput())
	if second.Code == first.Code || second.ID == first.ID {
		t.Fatalf("the second product took the first's code or ID: %+v", second)
	}

	// A source that repeats itself forever is given up on.
	s.SetRandom(&repeating{same})
	_, err := s.CreateProduct(t.Context(), seller, imageInput())
	wantKind(t, err, fault.Conflict)
}

type repeating struct{ b []byte }

func (r *repeating) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.b[i%len(r.b)]
	}
	return len(p), nil
}

var _ io.Reader = (*repeating)(nil)

func TestListProducts(t *testing.T) {
	s, _ := newService(t)
	var want []string
	for range 5 {
		want = append(want, create(t, s, seller, contractInput()).ID)
		create(t, s, other, contractInput())
	}
	slices.Sort(want)
	var got []string
	var pages int
	for in := (catalog.ListInput{Limit: 2}); ; pages++ {
		page, err := s.ListProducts(t.Context(), seller, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Products {
			if p.Seller != seller {
				t.Errorf("listed %s of %s", p.ID, p.Seller)
			}
			got = append(got, p.ID)
		}
		if page.Next == "" {
			break
		}
		in.Next = page.Next
	}
	if d := cmp.Diff(want, got); d != "" || pages != 2 {
		t.Errorf("paged through %d pages, mismatch (-want +got):\n%s", pages+1, d)
	}
	all, err := s.ListProducts(t.Context(), seller, catalog.ListInput{})
	if err != nil || len(all.Products) != 5 || all.Next != "" {
		t.Errorf("default page: %d products, next %q, %v", len(all.Products), all.Next, err)
	}
	exact, err := s.ListProducts(t.Context(), seller, catalog.ListInput{Limit: 5})
	if err != nil || len(exact.Products) != 5 || exact.Next != "" {
		t.Errorf("a page exactly as long as the list: %d products, next %q, %v", len(exact.Products), exact.Next, err)
	}
	_, err = s.ListProducts(t.Context(), seller, catalog.ListInput{Next: "not a token!", Limit: -1})
	wantFields(t, err,
		fe("Limit", "out_of_range", "must not be negative"),
		fe("Next", "invalid_token", "is not a token this listing gave; start again without it"))
}

func TestUpdateProduct(t *testing.T) {
	s, clk := newService(t)
	p := create(t, s, seller, imageInput())
	name, url := "Acme Analytics Pro", "https://acme.example/thanks"
	_, err := s.UpdateProduct(t.Context(), other, p.ID, catalog.UpdateProductInput{Name: &name})
	wantKind(t, err, fault.NotFound)
	_, err = s.UpdateProduct(t.Context(), seller, "prod-00000000000000000", catalog.UpdateProductInput{Name: &name})
	wantKind(t, err, fault.NotFound)

	clk.Advance(time.Hour)
	got, err := s.UpdateProduct(t.Context(), seller, p.ID, catalog.UpdateProductInput{Name: &name, ReturnURL: &url})
	if err != nil {
		t.Fatal(err)
	}
	want := p
	want.Name, want.ReturnURL, want.UpdatedAt = name, url, t0.Add(time.Hour)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("updated product mismatch (-want +got):\n%s", d)
	}
	stored, _ := s.GetProduct(t.Context(), p.ID)
	if d := cmp.Diff(want, stored); d != "" {
		t.Errorf("stored product mismatch (-want +got):\n%s", d)
	}

	bad := "<b>"
	_, err = s.UpdateProduct(t.Context(), seller, p.ID, catalog.UpdateProductInput{Name: &bad, InstanceTypes: []string{"m5.large", "m9.huge"}})
	wantFields(t, err,
		fe("Name", "markup", "must not contain < or >: a product name is plain text"),
		fe("InstanceTypes[1]", "unknown_instance_type", "m9.huge is not in this marketplace's catalogue of instance types"))
	// Dropping an instance type that has prices leaves them unlisted.
	_, err = s.UpdateProduct(t.Context(), seller, p.ID, catalog.UpdateProductInput{InstanceTypes: []string{"m5.large"}})
	wantFields(t, err,
		fe("Pricing.Hourly.m5.xlarge", "unlisted_instance_type", `prices "m5.xlarge", which is not among the product's InstanceTypes`),
		fe("Pricing.Annual.m5.xlarge", "unlisted_instance_type", `prices "m5.xlarge", which is not among the product's InstanceTypes`))
	// Adding one without prices breaks the annual rule.
	_, err = s.UpdateProduct(t.Context(), seller, p.ID, catalog.UpdateProductInput{InstanceTypes: []string{"m5.large", "m5.xlarge", "c5.large"}})
	wantFields(t, err,
		fe("Pricing.Hourly.c5.large", "missing_hourly", "needs an hourly price: with annual pricing every instance type has an hourly and an annual price"),
		fe("Pricing.Annual.c5.large", "missing_annual", "needs an annual price: with annual pricing every instance type has an hourly and an annual price"))
	if err := (catalog.UpdateProductInput{Name: &bad}).Validate(); err == nil {
		t.Error("UpdateProductInput.Validate accepts a name with markup")
	}
}

func cheaper() catalog.PricingInput {
	return catalog.PricingInput{
		Hourly: map[string]string{"m5.large": "0.40", "m5.xlarge": "1.00"},
		Annual: map[string]string{"m5.large": "3000.00", "m5.xlarge": "5000.00"},
	}
}

func dearer() catalog.PricingInput {
	in := cheaper()
	in.Hourly["m5.large"] = "0.60"
	return in
}

func TestChangePricing(t *testing.T) {
	s, clk := newService(t)
	p := create(t, s, seller, imageInput())
	clk.Advance(time.Hour)
	now := t0.Add(time.Hour)
	notice := now.AddDate(0, 0, catalog.NoticeDays)

	_, err := s.ChangePricing(t.Context(), other, p.ID, catalog.ChangePricingInput{Pricing: cheaper()})
	wantKind(t, err, fault.NotFound)

	// Cheaper everywhere (the sign-up fee dropped): effective at once.
	v2, err := s.ChangePricing(t.Context(), seller, p.ID, catalog.ChangePricingInput{Pricing: cheaper()})
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || !v2.EffectiveAt.Equal(now) || !v2.CreatedAt.Equal(now) {
		t.Errorf("cheaper version: %+v", v2)
	}
	got, _ := s.GetProduct(t.Context(), p.ID)
	if got.PriceVersion != 2 || got.Pricing.Hourly["m5.large"] != money.MustParse("0.40") {
		t.Errorf("product after the change: version %d, %+v", got.PriceVersion, got.Pricing)
	}

	// Dearer: NoticeDays' notice, by default exactly that.
	v3, err := s.ChangePricing(t.Context(), seller, p.ID, catalog.ChangePricingInput{Pricing: dearer()})
	if err != nil {
		t.Fatal(err)
	}
	if v3.Version != 3 || !v3.EffectiveAt.Equal(notice) {
		t.Errorf("dearer version: %+v, want effective at %v", v3, notice)
	}
	_, err = s.ChangePricing(t.Context(), seller, p.ID, catalog.ChangePricingInput{Pricing: dearer(), EffectiveAt: notice.Add(-time.Second)})
	wantFields(t, err, fe("EffectiveAt", "notice_too_short",
		"must be at least 90 days away, at or after 2026-08-30T13:00:00Z: the new plan raises a price existing subscribers pay"))
	_, err = s.ChangePricing(t.Context(), seller, p.ID, catalog.ChangePricingInput{Pricing: cheaper(), EffectiveAt: now.Add(-time.Second)})
	wantFields(t, err, fe("EffectiveAt", "in_past", "must not be in the past"))

	// Cheaper than version 3 but dearer than version 2, which subscribers
	// still pay until version 3 is effective: a rise, with notice.
	between := cheaper()
	between.Hourly["m5.large"] = "0.50"
	_, err = s.ChangePricing(t.Context(), seller, p.ID, catalog.ChangePricingInput{Pricing: between, EffectiveAt: now.Add(time.Hour)})
	wantFields(t, err, fe("EffectiveAt", "notice_too_short",
		"must be at least 90 days away, at or after 2026-08-30T13:00:00Z: the new plan raises a price existing subscribers pay"))
	later := notice.Add(24 * time.Hour)
	v4, err := s.ChangePricing(t.Context(), seller, p.ID, catalog.ChangePricingInput{Pricing: between, EffectiveAt: later})
	if err != nil || v4.Version != 4 || !v4.EffectiveAt.Equal(later) {
		t.Fatalf("version 4: %+v, %v", v4, err)
	}

	// The plan is checked against the product, every problem at once.
	bad := catalog.PricingInput{Hourly: map[string]string{"c5.large": "1"}, Contract: contractInput().Pricing.Contract}
	_, err = s.ChangePricing(t.Context(), seller, p.ID, catalog.ChangePricingInput{Pricing: bad, EffectiveAt: now.Add(-time.Hour)})
	wantFields(t, err,
		fe("Pricing.Hourly.c5.large", "unlisted_instance_type", `prices "c5.large", which is not among the product's InstanceTypes`),
		fe("Pricing.Contract", "not_for_kind", "is not a pricing model of paid-image products"),
		fe("EffectiveAt", "in_past", "must not be in the past"))
	wantFields(t, (catalog.ChangePricingInput{Pricing: catalog.PricingInput{Annual: map[string]string{"m5.large": "x"}}}).Validate(),
		fe("Pricing.Annual.m5.large", "not_decimal", `must be a decimal amount such as 10.00, not "x"`),
		fe("Pricing.Hourly.m5.large", "missing_hourly", "needs an hourly price: with annual pricing every instance type has an hourly and an annual price"))

	// Who pays what, when.
	for _, tc := range []struct {
		signedUp int
		at       time.Time
		want     int
	}{
		{1, t0, 1},
		{1, now, 2},
		{1, notice.Add(-time.Nanosecond), 2},
		{1, notice, 3},
		{1, later, 4},
		{2, now, 2},
		{3, now, 3}, // signed up under version 3: never older
		{3, notice, 3},
		{4, now, 4},
		{4, later.AddDate(1, 0, 0), 4},
	} {
		v, err := s.PricingAt(t.Context(), p.ID, tc.signedUp, tc.at)
		if err != nil || v.Version != tc.want {
			t.Errorf("PricingAt(version %d, %v) = version %d, %v; want %d", tc.signedUp, tc.at, v.Version, err, tc.want)
		}
	}
	_, err = s.PricingAt(t.Context(), p.ID, 9, now)
	wantKind(t, err, fault.NotFound)
	_, err = s.PricingAt(t.Context(), "prod-00000000000000000", 1, now)
	wantKind(t, err, fault.NotFound)
}

func TestRaises(t *testing.T) {
	base := catalog.Pricing{
		SignUpFee: 10, MonthlyFee: 10, FreeTrialDays: 7,
		Hourly: map[string]money.Amount{"m5.large": 10}, Annual: map[string]money.Amount{"m5.large": 10},
		Usage: []catalog.UsageDimension{{Dimension: "Requests", Unit: "Count", Price: 10}},
		Contract: &catalog.ContractPricing{Durations: []catalog.Duration{"P12M"}, Dimensions: []catalog.ContractDimension{
			{Name: "Seats", Type: catalog.Configurable, Price: map[catalog.Duration]money.Amount{"P12M": 10}},
			{Name: "Edition", Type: catalog.Tiered, Tiers: map[string]map[catalog.Duration]money.Amount{"Gold": {"P12M": 10}}},
		}},
	}
	clone := func(f func(p *catalog.Pricing)) catalog.Pricing {
		p := base
		p.Hourly, p.Annual = map[string]money.Amount{"m5.large": 10}, map[string]money.Amount{"m5.large": 10}
		p.Usage = slices.Clone(base.Usage)
		c := *base.Contract
		c.Dimensions = []catalog.ContractDimension{
			{Name: "Seats", Type: catalog.Configurable, Price: map[catalog.Duration]money.Amount{"P12M": 10}},
			{Name: "Edition", Type: catalog.Tiered, Tiers: map[string]map[catalog.Duration]money.Amount{"Gold": {"P12M": 10}}},
		}
		p.Contract = &c
		f(&p)
		return p
	}
	for _, tc := range []struct {
		name   string
		next   catalog.Pricing
		raises bool
	}{
		{"Same", clone(func(*catalog.Pricing) {}), false},
		{"SignUpFee", clone(func(p *catalog.Pricing) { p.SignUpFee = 11 }), true},
		{"MonthlyFee", clone(func(p *catalog.Pricing) { p.MonthlyFee = 11 }), true},
		{"Hourly", clone(func(p *catalog.Pricing) { p.Hourly["m5.large"] = 11 }), true},
		{"NewHourlyType", clone(func(p *catalog.Pricing) { p.Hourly["c5.large"] = 1 }), true},
		{"NewFreeHourlyType", clone(func(p *catalog.Pricing) { p.Hourly["c5.large"] = 0 }), false},
		{"Annual", clone(func(p *catalog.Pricing) { p.Annual["m5.large"] = 11 }), true},
		{"Usage", clone(func(p *catalog.Pricing) { p.Usage[0].Price = 11 }), true},
		{"NewUsage", clone(func(p *catalog.Pricing) { p.Usage = append(p.Usage, catalog.UsageDimension{Dimension: "GB", Price: 1}) }), true},
		{"ConfigurablePrice", clone(func(p *catalog.Pricing) { p.Contract.Dimensions[0].Price["P12M"] = 11 }), true},
		{"NewDuration", clone(func(p *catalog.Pricing) { p.Contract.Dimensions[0].Price["P24M"] = 1 }), true},
		{"TierPrice", clone(func(p *catalog.Pricing) { p.Contract.Dimensions[1].Tiers["Gold"]["P12M"] = 11 }), true},
		{"NewTier", clone(func(p *catalog.Pricing) {
			p.Contract.Dimensions[1].Tiers["Platinum"] = map[catalog.Duration]money.Amount{"P12M": 1}
		}), true},
		{"ShorterTrial", clone(func(p *catalog.Pricing) { p.FreeTrialDays = 0 }), false},
		{"AllLower", catalog.Pricing{SignUpFee: 1, Hourly: map[string]money.Amount{"m5.large": 9}}, false},
		{"Nothing", catalog.Pricing{}, false},
	} {
		if got := catalog.Raises(base, tc.next); got != tc.raises {
			t.Errorf("%s: Raises = %v, want %v", tc.name, got, tc.raises)
		}
	}
}

func TestVersionAt(t *testing.T) {
	vs := []catalog.PriceVersion{
		{Version: 1, EffectiveAt: t0},
		{Version: 2, EffectiveAt: t0.Add(10 * time.Hour)},
		{Version: 3, EffectiveAt: t0.Add(5 * time.Hour)}, // a cut made after a pending rise, effective sooner
	}
	for _, tc := range []struct {
		signedUp int
		at       time.Duration
		want     int
		ok       bool
	}{
		{1, 0, 1, true}, {1, 5 * time.Hour, 3, true}, {1, 10 * time.Hour, 3, true},
		{2, 0, 2, true}, {2, 5 * time.Hour, 3, true}, {3, 0, 3, true}, {4, 0, 0, false}, {0, 0, 0, false},
	} {
		v, ok := catalog.VersionAt(vs, tc.signedUp, t0.Add(tc.at))
		if v.Version != tc.want || ok != tc.ok {
			t.Errorf("VersionAt(%d, +%v) = %d, %v; want %d, %v", tc.signedUp, tc.at, v.Version, ok, tc.want, tc.ok)
		}
	}
}

func offerInput(productID string) catalog.CreateOfferInput {
	return catalog.CreateOfferInput{
		ProductID: productID, Buyers: []string{buyerA, buyerB}, DurationMonths: 36,
		Pricing: catalog.PricingInput{Contract: &catalog.ContractPricingInput{
			Durations:  []string{"P36M"},
			Dimensions: []catalog.ContractDimensionInput{{Name: "Seats", Unit: "Count", Type: "Configurable", Price: map[string]string{"P36M": "250"}}},
		}},
		Installments: []catalog.InstallmentInput{{DueAfterMonths: 0, Amount: "100"}, {DueAfterMonths: 12, Amount: "100"}, {DueAfterMonths: 24, Amount: "50.5"}},
		ExpiresAt:    t0.AddDate(0, 1, 0),
	}
}

func TestCreateOffer(t *testing.T) {
	s, _ := newService(t)
	contract := create(t, s, seller, contractInput())
	o, err := s.CreateOffer(t.Context(), seller, offerInput(contract.ID))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^offer-[0-9a-f]{17}$`).MatchString(o.ID) || catalog.OfferPath(o.ID) != "/purchase/offer/"+o.ID {
		t.Errorf("offer ID %q", o.ID)
	}
	want := catalog.Offer{ID: o.ID, ProductID: contract.ID, Seller: seller, Buyers: []string{buyerA, buyerB}, DurationMonths: 36,
		Pricing: catalog.Pricing{Contract: &catalog.ContractPricing{Durations: []catalog.Duration{"P36M"}, Dimensions: []catalog.ContractDimension{
			{Name: "Seats", Unit: "Count", Type: catalog.Configurable, Price: map[catalog.Duration]money.Amount{"P36M": money.MustParse("250")}}}}},
		Installments: []catalog.Installment{{DueAfterMonths: 0, Amount: money.MustParse("100")}, {DueAfterMonths: 12, Amount: money.MustParse("100")},
			{DueAfterMonths: 24, Amount: money.MustParse("50.5")}},
		ExpiresAt: t0.AddDate(0, 1, 0), CreatedAt: t0}
	if d := cmp.Diff(want, o); d != "" {
		t.Errorf("offer mismatch (-want +got):\n%s", d)
	}

	// Only the seller and the named buyers see it.
	for _, who := range []string{seller, buyerA, buyerB} {
		got, err := s.GetOffer(t.Context(), who, o.ID)
		if err != nil || !cmp.Equal(o, got) {
			t.Errorf("offer as seen by %s: %v %s", who, err, cmp.Diff(o, got))
		}
	}
	for _, who := range []string{other, "", "555555555555"} {
		_, err := s.GetOffer(t.Context(), who, o.ID)
		wantKind(t, err, fault.NotFound)
		if msg := fault.As(err).Message; msg != "offer "+o.ID+" does not exist" {
			t.Errorf("GetOffer as %q: %q", who, msg)
		}
	}
	_, err = s.GetOffer(t.Context(), seller, "offer-00000000000000000")
	wantKind(t, err, fault.NotFound)

	// Somebody else's product is not there to offer.
	_, err = s.CreateOffer(t.Context(), other, offerInput(contract.ID))
	wantKind(t, err, fault.NotFound)

	image := create(t, s, other, imageInput())
	imageOffer := catalog.CreateOfferInput{ProductID: image.ID, Buyers: []string{buyerA}, DurationMonths: 24,
		Pricing: catalog.PricingInput{Hourly: map[string]string{"m5.large": "0.4", "m5.xlarge": "0.8"},
			Annual: map[string]string{"m5.large": "2000", "m5.xlarge": "4000"}}}
	made, err := s.CreateOffer(t.Context(), other, imageOffer)
	if err != nil {
		t.Fatal(err)
	}
	if !made.ExpiresAt.IsZero() || made.Installments != nil {
		t.Errorf("offer without expiry or installments: %+v", made)
	}
	list := func(who string) []string {
		os, err := s.ListOffers(t.Context(), who)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, o := range os {
			ids = append(ids, o.ID)
		}
		return ids
	}
	wantIDs := []string{o.ID, made.ID}
	if o.ID > made.ID {
		wantIDs = []string{made.ID, o.ID} // made at the same time: ordered by ID
	}
	for who, want := range map[string][]string{seller: {o.ID}, other: {made.ID}, buyerA: wantIDs, buyerB: {o.ID}, "555555555555": nil} {
		if d := cmp.Diff(want, list(who)); d != "" {
			t.Errorf("offers of %s mismatch (-want +got):\n%s", who, d)
		}
	}
}

func TestOfferRules(t *testing.T) {
	s, _ := newService(t)
	contract := create(t, s, seller, contractInput())
	image := create(t, s, seller, imageInput())
	imageOffer := func() catalog.CreateOfferInput {
		return catalog.CreateOfferInput{ProductID: image.ID, Buyers: []string{buyerA}, DurationMonths: 36,
			Pricing: catalog.PricingInput{Hourly: map[string]string{"m5.large": "0.4"}}}
	}
	for _, tc := range []struct {
		name   string
		in     func() catalog.CreateOfferInput
		mutate func(in *catalog.CreateOfferInput)
		want   []fault.FieldError
	}{
		{"Valid", func() catalog.CreateOfferInput { return offerInput(contract.ID) }, func(*catalog.CreateOfferInput) {}, nil},
		{"BuyersRequired", imageOffer, func(in *catalog.CreateOfferInput) { in.Buyers = nil },
			[]fault.FieldError{fe("Buyers", "required", "needs 1 to 25 buyer accounts")}},
		{"BuyersTooMany", imageOffer, func(in *catalog.CreateOfferInput) {
			in.Buyers = nil
			for i := range 26 {
				in.Buyers = append(in.Buyers, fmt.Sprintf("9%011d", i))
			}
		}, []fault.FieldError{fe("Buyers", "too_many", "has 26 buyers; at most 25 are allowed")}},
		{"BuyersMost", imageOffer, func(in *catalog.CreateOfferInput) {
			in.Buyers = nil
			for i := range 25 {
				in.Buyers = append(in.Buyers, fmt.Sprintf("9%011d", i))
			}
		}, nil},
		{"BuyerRules", imageOffer, func(in *catalog.CreateOfferInput) { in.Buyers = []string{buyerA, "12345", buyerA, seller} },
			[]fault.FieldError{
				fe("Buyers[1]", "invalid_account", `must be a 12-digit account ID, not "12345"`),
				fe("Buyers[2]", "duplicate", "repeats "+buyerA),
				fe("Buyers[3]", "seller_as_buyer", "is the seller's own account"),
			}},
		{"ImageTermTooLong", imageOffer, func(in *catalog.CreateOfferInput) { in.DurationMonths = 37 },
			[]fault.FieldError{fe("DurationMonths", "out_of_range", "must be from 1 to 36 months, not 37")}},
		{"TermTooShort", imageOffer, func(in *catalog.CreateOfferInput) { in.DurationMonths = 0 },
			[]fault.FieldError{fe("DurationMonths", "out_of_range", "must be from 1 to 36 months, not 0")}},
		{"ContractTermLongest", func() catalog.CreateOfferInput { return offerInput(contract.ID) }, func(in *catalog.CreateOfferInput) {
			in.DurationMonths = 60
			in.Pricing.Contract.Durations = []string{"P60M"}
			in.Pricing.Contract.Dimensions[0].Price = map[string]string{"P60M": "400"}
		}, nil},
		{"ContractTermTooLong", func() catalog.CreateOfferInput { return offerInput(contract.ID) }, func(in *catalog.CreateOfferInput) {
			in.DurationMonths = 61
			in.Pricing.Contract.Durations = []string{"P61M"}
			in.Pricing.Contract.Dimensions[0].Price = map[string]string{"P61M": "400"}
		}, []fault.FieldError{
			fe("DurationMonths", "out_of_range", "must be from 1 to 60 months, not 61"),
			fe("Pricing.Contract.Durations[0]", "invalid_duration", `must be a number of months from P1M to P60M, not "P61M"`),
			fe("Pricing.Contract.Dimensions[0].Price.P61M", "unlisted_duration", `prices "P61M", which is not among the contract's Durations`),
		}},
		{"ContractTermNotPriced", func() catalog.CreateOfferInput { return offerInput(contract.ID) }, func(in *catalog.CreateOfferInput) {
			in.DurationMonths, in.Installments = 18, nil
		},
			[]fault.FieldError{fe("Pricing.Contract.Durations", "missing_term", "must include P18M, the offer's term of DurationMonths")}},
		{"PricedLikeAProduct", imageOffer, func(in *catalog.CreateOfferInput) {
			in.Pricing = catalog.PricingInput{Annual: map[string]string{"m5.large": "100"}, MonthlyFee: "1"}
		}, []fault.FieldError{
			fe("Pricing.Hourly.m5.large", "missing_hourly", "needs an hourly price: with annual pricing every instance type has an hourly and an annual price"),
			fe("Pricing.Hourly.m5.xlarge", "missing_hourly", "needs an hourly price: with annual pricing every instance type has an hourly and an annual price"),
			fe("Pricing.Annual.m5.xlarge", "missing_annual", "needs an annual price: with annual pricing every instance type has an hourly and an annual price"),
			fe("Pricing.MonthlyFee", "monthly_with_annual", "cannot be combined with annual pricing"),
		}},
		{"Installments", func() catalog.CreateOfferInput { return offerInput(contract.ID) }, func(in *catalog.CreateOfferInput) {
			in.Installments = []catalog.InstallmentInput{{0, "10"}, {0, "10"}, {36, "10"}, {-1, "0"}, {30, "-5"}}
		}, []fault.FieldError{
			fe("Installments[1].DueAfterMonths", "not_increasing", "must be after the previous installment's month 0"),
			fe("Installments[2].DueAfterMonths", "out_of_range", "must be from 0 to 35, within the offer's term"),
			fe("Installments[3].DueAfterMonths", "out_of_range", "must be from 0 to 35, within the offer's term"),
			fe("Installments[3].Amount", "not_positive", "must be more than 0"),
			fe("Installments[4].Amount", "negative", "must not be negative"),
		}},
		{"InstallmentsTooMany", func() catalog.CreateOfferInput { return offerInput(contract.ID) }, func(in *catalog.CreateOfferInput) {
			in.Installments = make([]catalog.InstallmentInput, 61)
		}, []fault.FieldError{fe("Installments", "too_many", "has 61 installments; at most 60 are allowed")}},
		{"ExpiresInThePast", imageOffer, func(in *catalog.CreateOfferInput) { in.ExpiresAt = t0 },
			[]fault.FieldError{fe("ExpiresAt", "in_past", "must be in the future")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in()
			tc.mutate(&in)
			_, err := s.CreateOffer(t.Context(), seller, in)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantFields(t, err, tc.want...)
		})
	}
	_, err := s.CreateOffer(t.Context(), seller, catalog.CreateOfferInput{})
	wantFields(t, err,
		fe("ProductId", "required", "is required"),
		fe("Buyers", "required", "needs 1 to 25 buyer accounts"),
		fe("DurationMonths", "out_of_range", "must be from 1 to 60 months, not 0"))
	wantFields(t, (catalog.CreateOfferInput{ProductID: "p", Buyers: []string{buyerA}, DurationMonths: 61}).Validate(),
		fe("DurationMonths", "out_of_range", "must be from 1 to 60 months, not 61"))
}

func TestInstanceTypes(t *testing.T) {
	s, _ := newService(t)
	got, err := s.InstanceTypes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(catalog.DefaultInstanceTypes(), got); d != "" {
		t.Errorf("catalogue before any load is not the default (-want +got):\n%s", d)
	}
	loaded := []catalog.InstanceType{{Name: "m5.large", VCPUs: 2, MemoryMiB: 8192, BaseHourly: money.MustParse("0.096")}}
	if err := s.LoadInstanceTypes(t.Context(), loaded); err != nil {
		t.Fatal(err)
	}
	got, _ = s.InstanceTypes(t.Context())
	if d := cmp.Diff(loaded, got); d != "" {
		t.Errorf("loaded catalogue mismatch (-want +got):\n%s", d)
	}
	bad := []catalog.InstanceType{
		{Name: "m5.large", VCPUs: 2, MemoryMiB: 8192},
		{Name: "m5.large", VCPUs: 0, MemoryMiB: 0, BaseHourly: -1},
		{Name: "M5 Large", VCPUs: 4097, MemoryMiB: 64<<20 + 1, BaseHourly: money.Max + 1},
	}
	wantFields(t, s.LoadInstanceTypes(t.Context(), bad),
		fe("InstanceTypes[1].Name", "duplicate", "repeats m5.large"),
		fe("InstanceTypes[1].VCpus", "out_of_range", "must be from 1 to 4096, not 0"),
		fe("InstanceTypes[1].MemoryMiB", "out_of_range", "must be from 1 to 67108864, not 0"),
		fe("InstanceTypes[1].BaseHourly", "negative", "must not be negative"),
		fe("InstanceTypes[2].Name", "invalid_instance_type", `must be an instance type name such as m5.large, not "M5 Large"`),
		fe("InstanceTypes[2].VCpus", "out_of_range", "must be from 1 to 4096, not 4097"),
		fe("InstanceTypes[2].MemoryMiB", "out_of_range", "must be from 1 to 67108864, not 67108865"),
		fe("InstanceTypes[2].BaseHourly", "too_large", "must be at most 999999999999.999999"))
	wantFields(t, s.LoadInstanceTypes(t.Context(), nil), fe("InstanceTypes", "required", "needs at least one instance type"))
	wantFields(t, s.LoadInstanceTypes(t.Context(), make([]catalog.InstanceType, catalog.MaxCatalogueTypes+1)),
		fe("InstanceTypes", "too_many", "has 2001 instance types; at most 2000 are allowed"))
	got, _ = s.InstanceTypes(t.Context())
	if d := cmp.Diff(loaded, got); d != "" {
		t.Errorf("a refused load changed the catalogue (-want +got):\n%s", d)
	}
}

func TestDefaultInstanceTypes(t *testing.T) {
	types := catalog.DefaultInstanceTypes()
	if err := catalog.ValidateInstanceTypes(types); err != nil {
		t.Fatalf("the default catalogue is invalid: %v", err)
	}
	byName := map[string]catalog.InstanceType{}
	for _, it := range types {
		byName[it.Name] = it
	}
	for _, want := range []catalog.InstanceType{
		{Name: "t3.micro", VCPUs: 2, MemoryMiB: 1024, BaseHourly: money.MustParse("0.0104")},
		{Name: "m5.large", VCPUs: 2, MemoryMiB: 8192, BaseHourly: money.MustParse("0.096")},
		{Name: "m5.24xlarge", VCPUs: 96, MemoryMiB: 393216, BaseHourly: money.MustParse("4.608")},
		{Name: "c5.9xlarge", VCPUs: 36, MemoryMiB: 73728, BaseHourly: money.MustParse("1.53")},
		{Name: "r5.xlarge", VCPUs: 4, MemoryMiB: 32768, BaseHourly: money.MustParse("0.252")},
		{Name: "m6i.32xlarge", VCPUs: 128, MemoryMiB: 524288, BaseHourly: money.MustParse("6.144")},
	} {
		current := true
		want.Architectures, want.CurrentGeneration = []string{"x86_64"}, &current
		if d := cmp.Diff(want, byName[want.Name]); d != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", want.Name, d)
		}
	}
}
