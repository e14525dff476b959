package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/money"
	"github.com/tollgate/tollgate/internal/store"
)

var (
	_ = register("CatalogProducts", CatalogProducts)
	_ = register("CatalogPriceVersions", CatalogPriceVersions)
	_ = register("CatalogOffers", CatalogOffers)
	_ = register("CatalogInstanceTypes", CatalogInstanceTypes)
)

// ImagePricing is a price plan fixture with every image pricing model.
func ImagePricing() catalog.Pricing {
	return catalog.Pricing{
		SignUpFee:     money.MustParse("10.00"),
		MonthlyFee:    money.MustParse("5.000001"),
		Hourly:        map[string]money.Amount{"m5.large": money.MustParse("0.50"), "m5.xlarge": money.MustParse("1.00")},
		Annual:        map[string]money.Amount{"m5.large": money.MustParse("3000"), "m5.xlarge": 0},
		FreeTrialDays: 7,
		Usage:         []catalog.UsageDimension{{Dimension: "Requests", Unit: "Count", Price: money.MustParse("0.000001")}},
	}
}

// ContractPricing is a contract price plan fixture with a configurable and
// a tiered dimension.
func ContractPricing() catalog.Pricing {
	return catalog.Pricing{Contract: &catalog.ContractPricing{
		Durations: []catalog.Duration{"P1M", "P12M"},
		Dimensions: []catalog.ContractDimension{
			{Name: "Seats", Unit: "Count", Type: catalog.Configurable, Floating: true,
				Price: map[catalog.Duration]money.Amount{"P1M": money.MustParse("10"), "P12M": money.MustParse("100")}},
			{Name: "Edition", Type: catalog.Tiered, Tiers: map[string]map[catalog.Duration]money.Amount{
				"BasicTier":        {"P1M": 0, "P12M": 0},
				"ProfessionalTier": {"P1M": money.MustParse("50"), "P12M": money.MustParse("500")},
			}},
		},
	}}
}

// NewProduct returns the n-th product fixture of seller: its ID and code
// derived from n, created at Epoch plus n seconds.
func NewProduct(n int, seller string, kind catalog.Kind, pricing catalog.Pricing) catalog.Product {
	at := Epoch.Add(time.Duration(n) * time.Second)
	return catalog.Product{
		ID: fmt.Sprintf("prod-%017x", n), Seller: seller, Name: fmt.Sprintf("Product %d ünïcode", n),
		Description: "Line one.\nLine two.", Kind: kind, InstanceTypes: []string{"m5.large", "m5.xlarge"},
		ReturnURL: "https://seller.example/welcome", Code: fmt.Sprintf("code%021d", n), Token: fmt.Sprintf("ptok-%040d", n),
		Pricing: pricing, PriceVersion: 1, CreatedAt: at, UpdatedAt: at,
	}
}

// CreateProduct stores a product fixture with its first price version.
func CreateProduct(t testing.TB, db *store.DB, p catalog.Product) {
	t.Helper()
	v := catalog.PriceVersion{ProductID: p.ID, Version: 1, Pricing: p.Pricing, EffectiveAt: p.CreatedAt, CreatedAt: p.CreatedAt}
	NoError(t, db.Catalog().CreateProduct(t.Context(), p, v), "create product "+p.ID)
}

// CatalogProducts tests the product half of catalog.Store.
func CatalogProducts(t *testing.T, open Opener) {
	const seller, other = "111111111111", "222222222222"
	t.Run("CreateGet", func(t *testing.T) {
		db := open(t)
		s := db.Catalog()
		for i, p := range []catalog.Product{
			NewProduct(1, seller, catalog.PaidImage, ImagePricing()),
			NewProduct(2, seller, catalog.Contract, ContractPricing()),
			{ID: "prod-00000000000000003", Seller: seller, Name: "Bare", Kind: catalog.SaaS, Code: "bare", Token: "t",
				PriceVersion: 1, CreatedAt: Epoch, UpdatedAt: Epoch},
		} {
			CreateProduct(t, db, p)
			got, err := s.GetProduct(t.Context(), p.ID)
			NoError(t, err, "get "+p.ID)
			Diff(t, fmt.Sprintf("product %d by ID", i), p, got)
			got, err = s.ProductByCode(t.Context(), p.Code)
			NoError(t, err, "get by code "+p.Code)
			Diff(t, fmt.Sprintf("product %d by code", i), p, got)
			vs, err := s.ListPriceVersions(t.Context(), p.ID)
			NoError(t, err, "list versions")
			Diff(t, "first price version", []catalog.PriceVersion{{ProductID: p.ID, Version: 1, Pricing: p.Pricing,
				EffectiveAt: p.CreatedAt, CreatedAt: p.CreatedAt}}, vs)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		s := open(t).Catalog()
		_, err := s.GetProduct(t.Context(), "prod-00000000000000099")
		WantKind(t, err, fault.NotFound)
		if got := fault.As(err).Message; got != "product prod-00000000000000099 does not exist" {
			t.Errorf("message %q", got)
		}
		_, err = s.ProductByCode(t.Context(), "nosuchcode")
		WantKind(t, err, fault.NotFound)
		_, err = s.ListPriceVersions(t.Context(), "prod-00000000000000099")
		WantKind(t, err, fault.NotFound)
		err = s.UpdateProduct(t.Context(), NewProduct(99, seller, catalog.SaaS, catalog.Pricing{}))
		WantKind(t, err, fault.NotFound)
	})
	t.Run("CodeAndIDUnique", func(t *testing.T) {
		db := open(t)
		s := db.Catalog()
		first := NewProduct(1, seller, catalog.PaidImage, ImagePricing())
		CreateProduct(t, db, first)
		sameCode := NewProduct(2, other, catalog.SaaS, catalog.Pricing{})
		sameCode.Code = first.Code
		v := catalog.PriceVersion{ProductID: sameCode.ID, Version: 1, EffectiveAt: Epoch, CreatedAt: Epoch}
		WantKind(t, s.CreateProduct(t.Context(), sameCode, v), fault.Conflict)
		sameID := NewProduct(1, other, catalog.SaaS, catalog.Pricing{})
		sameID.Code = "othercode"
		WantKind(t, s.CreateProduct(t.Context(), sameID, v), fault.Conflict)
		// Neither left anything behind: the product that failed on its code
		// can be stored with another.
		_, err := s.GetProduct(t.Context(), sameCode.ID)
		WantKind(t, err, fault.NotFound)
		sameCode.Code = "freshcode"
		CreateProduct(t, db, sameCode)
		got, err := s.GetProduct(t.Context(), first.ID)
		NoError(t, err, "get the first product")
		Diff(t, "first product after the conflicts", first, got)
	})
	t.Run("ListBySeller", func(t *testing.T) {
		db := open(t)
		var want []string
		for _, n := range []int{5, 3, 9, 1, 7, 2} {
			CreateProduct(t, db, NewProduct(n, seller, catalog.SaaS, catalog.Pricing{}))
			CreateProduct(t, db, NewProduct(n+100, other, catalog.SaaS, catalog.Pricing{}))
		}
		for _, n := range []int{1, 2, 3, 5, 7, 9} {
			want = append(want, fmt.Sprintf("prod-%017x", n))
		}
		list := func(after string, limit int) []string {
			t.Helper()
			ps, err := db.Catalog().ListProductsBySeller(t.Context(), seller, after, limit)
			NoError(t, err, "list products")
			var ids []string
			for _, p := range ps {
				if p.Seller != seller {
					t.Fatalf("listed %s of seller %s", p.ID, p.Seller)
				}
				ids = append(ids, p.ID)
			}
			return ids
		}
		Diff(t, "all", want, list("", 100))
		Diff(t, "first two", want[:2], list("", 2))
		Diff(t, "after the second", want[2:5], list(want[1], 3))
		Diff(t, "after the last", []string(nil), list(want[5], 3))
		ps, err := db.Catalog().ListProductsBySeller(t.Context(), "333333333333", "", 10)
		NoError(t, err, "list a seller without products")
		if len(ps) != 0 {
			t.Errorf("a seller without products lists %d", len(ps))
		}
		full, err := db.Catalog().ListProductsBySeller(t.Context(), seller, "", 1)
		NoError(t, err, "list one")
		Diff(t, "listed product", NewProduct(1, seller, catalog.SaaS, catalog.Pricing{}), full[0])
	})
	t.Run("Update", func(t *testing.T) {
		db := open(t)
		s := db.Catalog()
		p := NewProduct(1, seller, catalog.PaidImage, ImagePricing())
		CreateProduct(t, db, p)
		changed := p
		changed.Name, changed.Description, changed.ReturnURL = "Renamed", "", "http://localhost/x"
		changed.InstanceTypes = []string{"m5.large", "m5.xlarge", "c5.large"}
		changed.UpdatedAt = Epoch.Add(time.Hour)
		// What UpdateProduct does not change, it keeps whatever it is told.
		ignored := changed
		ignored.Code, ignored.Token, ignored.Seller, ignored.Kind, ignored.PriceVersion = "changed", "changed", other, catalog.SaaS, 7
		ignored.Pricing, ignored.CreatedAt = catalog.Pricing{}, Epoch.Add(-time.Hour)
		NoError(t, s.UpdateProduct(t.Context(), ignored), "update")
		got, err := s.GetProduct(t.Context(), p.ID)
		NoError(t, err, "get updated")
		Diff(t, "updated product", changed, got)
		_, err = s.ProductByCode(t.Context(), "changed")
		WantKind(t, err, fault.NotFound)
	})
}

// CatalogPriceVersions tests AddPriceVersion and ListPriceVersions.
func CatalogPriceVersions(t *testing.T, open Opener) {
	db := open(t)
	s := db.Catalog()
	p := NewProduct(1, "111111111111", catalog.PaidImage, ImagePricing())
	CreateProduct(t, db, p)
	first := catalog.PriceVersion{ProductID: p.ID, Version: 1, Pricing: p.Pricing, EffectiveAt: p.CreatedAt, CreatedAt: p.CreatedAt}

	second := catalog.PriceVersion{ProductID: p.ID, Version: 2, Pricing: catalog.Pricing{Hourly: map[string]money.Amount{"m5.large": 1}},
		EffectiveAt: Epoch.AddDate(0, 0, 90), CreatedAt: Epoch.Add(time.Minute)}
	NoError(t, s.AddPriceVersion(t.Context(), second), "add version 2")
	for _, v := range []int{2, 4, 1} { // taken, skipping one, going back
		bad := second
		bad.Version = v
		WantKind(t, s.AddPriceVersion(t.Context(), bad), fault.Conflict)
	}
	missing := second
	missing.ProductID, missing.Version = "prod-00000000000000099", 1
	WantKind(t, s.AddPriceVersion(t.Context(), missing), fault.NotFound)
	third := catalog.PriceVersion{ProductID: p.ID, Version: 3, Pricing: ContractPricing(), EffectiveAt: Epoch.Add(time.Hour), CreatedAt: Epoch.Add(time.Hour)}
	NoError(t, s.AddPriceVersion(t.Context(), third), "add version 3")

	vs, err := s.ListPriceVersions(t.Context(), p.ID)
	NoError(t, err, "list versions")
	Diff(t, "versions", []catalog.PriceVersion{first, second, third}, vs)
	got, err := s.GetProduct(t.Context(), p.ID)
	NoError(t, err, "get product")
	want := p
	want.Pricing, want.PriceVersion, want.UpdatedAt = third.Pricing, 3, third.CreatedAt
	Diff(t, "product at version 3", want, got)
}

// CatalogOffers tests the offer half of catalog.Store.
func CatalogOffers(t *testing.T, open Opener) {
	const seller, other, buyerA, buyerB = "111111111111", "222222222222", "333333333333", "444444444444"
	db := open(t)
	s := db.Catalog()
	p := NewProduct(1, seller, catalog.Contract, ContractPricing())
	q := NewProduct(2, other, catalog.PaidImage, ImagePricing())
	CreateProduct(t, db, p)
	CreateProduct(t, db, q)
	offers := []catalog.Offer{
		{ID: "offer-00000000000000002", ProductID: p.ID, Seller: seller, Buyers: []string{buyerA, buyerB}, Pricing: ContractPricing(),
			DurationMonths: 36, Installments: []catalog.Installment{{DueAfterMonths: 0, Amount: money.MustParse("100")}, {DueAfterMonths: 12, Amount: money.MustParse("100.5")}},
			ExpiresAt: Epoch.AddDate(0, 1, 0), CreatedAt: Epoch},
		{ID: "offer-00000000000000001", ProductID: p.ID, Seller: seller, Buyers: []string{buyerB}, Pricing: ContractPricing(),
			DurationMonths: 60, CreatedAt: Epoch.Add(time.Second)},
		{ID: "offer-00000000000000003", ProductID: q.ID, Seller: other, Buyers: []string{buyerA}, Pricing: ImagePricing(),
			DurationMonths: 24, CreatedAt: Epoch},
	}
	for _, o := range offers {
		NoError(t, s.CreateOffer(t.Context(), o), "create "+o.ID)
		got, err := s.GetOffer(t.Context(), o.ID)
		NoError(t, err, "get "+o.ID)
		Diff(t, "offer "+o.ID, o, got)
	}
	WantKind(t, s.CreateOffer(t.Context(), offers[0]), fault.Conflict)
	orphan := offers[0]
	orphan.ID, orphan.ProductID = "offer-00000000000000009", "prod-00000000000000099"
	WantKind(t, s.CreateOffer(t.Context(), orphan), fault.NotFound)
	_, err := s.GetOffer(t.Context(), orphan.ID)
	WantKind(t, err, fault.NotFound)

	ids := func(os []catalog.Offer, err error) []string {
		t.Helper()
		NoError(t, err, "list offers")
		var out []string
		for _, o := range os {
			out = append(out, o.ID)
		}
		return out
	}
	Diff(t, "offers the seller made, oldest first", []string{offers[0].ID, offers[1].ID}, ids(s.ListOffersBySeller(t.Context(), seller)))
	Diff(t, "offers the other seller made", []string{offers[2].ID}, ids(s.ListOffersBySeller(t.Context(), other)))
	Diff(t, "offers to buyer A", []string{offers[0].ID, offers[2].ID}, ids(s.ListOffersForBuyer(t.Context(), buyerA)))
	Diff(t, "offers to buyer B", []string{offers[0].ID, offers[1].ID}, ids(s.ListOffersForBuyer(t.Context(), buyerB)))
	Diff(t, "offers to a seller", []string(nil), ids(s.ListOffersForBuyer(t.Context(), seller)))
	toB, err := s.ListOffersForBuyer(t.Context(), buyerB)
	NoError(t, err, "list offers to buyer B")
	Diff(t, "offers to buyer B in full", offers[:2], toB)
}

// CatalogInstanceTypes tests the operator's catalogue of instance types.
func CatalogInstanceTypes(t *testing.T, open Opener) {
	s := open(t).Catalog()
	got, err := s.InstanceTypes(t.Context())
	NoError(t, err, "read an empty catalogue")
	if len(got) != 0 {
		t.Fatalf("an empty store has %d instance types", len(got))
	}
	yes, no := true, false
	first := []catalog.InstanceType{
		{Name: "z9.large", VCPUs: 2, MemoryMiB: 8192, BaseHourly: money.MustParse("0.096"), Architectures: []string{"x86_64", "i386"}, CurrentGeneration: &yes},
		{Name: "a1.medium", VCPUs: 1, MemoryMiB: 2048, BaseHourly: 0, Architectures: []string{"arm64"}, CurrentGeneration: &no},
		{Name: "m5.metal", VCPUs: 96, MemoryMiB: 393216, BaseHourly: money.MustParse("4.608001")},
	}
	NoError(t, s.PutInstanceTypes(t.Context(), first), "put")
	got, err = s.InstanceTypes(t.Context())
	NoError(t, err, "read")
	Diff(t, "catalogue, in the order put", first, got)
	second := []catalog.InstanceType{{Name: "a1.medium", VCPUs: 4, MemoryMiB: 1, BaseHourly: 1}}
	NoError(t, s.PutInstanceTypes(t.Context(), second), "replace")
	got, err = s.InstanceTypes(t.Context())
	NoError(t, err, "read again")
	Diff(t, "replaced catalogue", second, got)
	dup := append(second, second[0])
	WantKind(t, s.PutInstanceTypes(t.Context(), dup), fault.Conflict)
	got, err = s.InstanceTypes(t.Context())
	NoError(t, err, "read after a failed put")
	Diff(t, "catalogue after a failed put", second, got)
}
