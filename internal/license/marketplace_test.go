package license_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/store"
)

func TestMarketplaceLicenseSQLite(t *testing.T)   { testMarketplaceLicense(t, openSQLite(t)) }
func TestMarketplaceLicensePostgres(t *testing.T) { testMarketplaceLicense(t, openPostgres(t)) }

func ptr[T any](v T) *T { return &v }

// testMarketplaceLicense follows a contract's license through its life: it
// is issued with its grant active, so the buyer checks out at once; a retry
// gets the same license; an upgrade is version 2, which the next checkout
// sees; cancelling deactivates it and checkouts are refused; a new sign-up's
// license takes over.
func testMarketplaceLicense(t *testing.T, db *store.DB) {
	const seller, buyer, sku = "111111111111", "222222222222", "prod-0000000000000000a"
	ctx := t.Context()
	clk := clock.NewManual(epoch)
	db.SetClock(clk) // transactions decide on the service's clock, as the app wires them
	svc := license.NewService(db.Licenses(), clk, noOperators{}, license.Config{})
	in := license.MarketplaceLicenseInput{
		Seller: seller, Buyer: buyer, ProductName: "Acme Seats", ProductSKU: sku, LicenseName: "Acme Seats contract",
		Begin: epoch, End: epoch.AddDate(1, 0, 0), ClientToken: "sub-00000000000000001",
		Entitlements: []license.Entitlement{
			{Name: "Seats", Unit: license.UnitCount, MaxCount: ptr[int64](3), AllowCheckIn: ptr(true)},
			{Name: "Storage", Unit: "Gigabytes", MaxCount: ptr[int64](100)},
			{Name: "ProfessionalTier", Unit: license.UnitNone, Value: "Enabled"},
		},
	}
	issued, err := svc.IssueMarketplaceLicense(ctx, in)
	if err != nil {
		t.Fatalf("issue: %v", err)
	}
	if issued.Version != "1" || issued.GrantArn == "" {
		t.Fatalf("issued %+v", issued)
	}

	tokens := 0
	checkout := func(typ license.CheckoutType, ents ...license.EntitlementRequest) (license.CheckoutOutput, error) {
		tokens++
		return svc.CheckoutLicense(ctx, buyer, license.CheckoutLicenseInput{
			ProductSKU: sku, CheckoutType: typ, KeyFingerprint: svc.MarketplaceFingerprint(), Entitlements: ents,
			ClientToken: "checkout-" + strconv.Itoa(tokens),
		})
	}
	seats := func(n int64) license.EntitlementRequest {
		return license.EntitlementRequest{Name: "Seats", Unit: license.UnitCount, Quantity: &n}
	}
	tiers := []license.EntitlementRequest{{Name: "BasicTier", Unit: license.UnitNone}, {Name: "ProfessionalTier", Unit: license.UnitNone}}

	// The grant is active at once: floating seats and the tier check out.
	out, err := checkout(license.Provisional, seats(2))
	if err != nil {
		t.Fatalf("checkout right after issue: %v", err)
	}
	if out.LicenseArn != issued.LicenseArn {
		t.Errorf("checked out %s, want %s", out.LicenseArn, issued.LicenseArn)
	}
	out, err = checkout(license.Provisional, tiers...)
	if err != nil {
		t.Fatalf("tier checkout: %v", err)
	}
	if d := cmp.Diff([]license.AllowedEntitlement{{Name: "ProfessionalTier", Unit: license.UnitNone, Value: "Enabled"}}, out.EntitlementsAllowed); d != "" {
		t.Errorf("tier checkout (-want +got):\n%s", d)
	}
	if _, err := checkout(license.Provisional, seats(2)); !fault.Is(err, fault.LimitExceeded) {
		t.Errorf("2 more seats of 3 with 2 in use: %v, want NoEntitlementsAllowed", err)
	}

	// The buyer sees it received, active, with the entitlements bought.
	recv, err := svc.ListReceivedLicenses(ctx, buyer, license.ListReceivedLicensesInput{})
	if err != nil || len(recv.Licenses) != 1 {
		t.Fatalf("received licenses: %+v, %v", recv, err)
	}
	got := recv.Licenses[0]
	if got.ReceivedMetadata.ReceivedStatus != license.GrantActive || got.Owner != seller || got.Beneficiary != buyer ||
		got.Issuer.KeyFingerprint != svc.MarketplaceFingerprint() || got.Issuer.Name != license.MarketplaceIssuerName {
		t.Errorf("received license %+v", got)
	}
	if d := cmp.Diff(in.Entitlements, got.Entitlements); d != "" {
		t.Errorf("entitlements (-bought +license):\n%s", d)
	}

	// A retry gets the same license; another product under the token is
	// refused.
	again, err := svc.IssueMarketplaceLicense(ctx, in)
	if err != nil || again != issued {
		t.Errorf("retry: %+v, %v; want %+v", again, err, issued)
	}
	other := in
	other.ProductSKU = "prod-0000000000000000b"
	if _, err := svc.IssueMarketplaceLicense(ctx, other); !fault.Is(err, fault.Invalid) {
		t.Errorf("token reused for another product: %v, want Invalid", err)
	}

	// An upgrade to 5 seats is version 2; the next checkout sees it.
	up := in
	up.ClientToken = "sub-00000000000000001/1"
	up.Entitlements = append([]license.Entitlement{{Name: "Seats", Unit: license.UnitCount, MaxCount: ptr[int64](5), AllowCheckIn: ptr(true)}}, in.Entitlements[1:]...)
	revised, err := svc.ReviseMarketplaceLicense(ctx, issued.LicenseArn, up)
	if err != nil || revised.Version != "2" || revised.LicenseArn != issued.LicenseArn {
		t.Fatalf("revise: %+v, %v", revised, err)
	}
	if _, err := checkout(license.Provisional, seats(3)); err != nil {
		t.Errorf("3 more seats of 5 with 2 in use: %v", err)
	}
	if _, err := svc.ReviseMarketplaceLicense(ctx, issued.LicenseArn, up); err != nil {
		t.Errorf("revision retried: %v", err)
	}
	other = up
	other.Seller = buyer
	if _, err := svc.ReviseMarketplaceLicense(ctx, issued.LicenseArn, other); !fault.Is(err, fault.NotFound) {
		t.Errorf("revised by another account: %v, want NotFound", err)
	}

	// Deactivation refuses checkouts at once, and may be repeated.
	if err := svc.DeactivateMarketplaceLicense(ctx, buyer, issued.LicenseArn); !fault.Is(err, fault.NotFound) {
		t.Errorf("deactivated by the buyer: %v, want NotFound", err)
	}
	for range 2 {
		if err := svc.DeactivateMarketplaceLicense(ctx, seller, issued.LicenseArn); err != nil {
			t.Fatalf("deactivate: %v", err)
		}
	}
	if _, err := checkout(license.Provisional, tiers...); !fault.Is(err, fault.LimitExceeded) {
		t.Errorf("checkout after deactivation: %v, want NoEntitlementsAllowed", err)
	}

	// A new sign-up's license is the one checkouts find.
	next := in
	next.ClientToken = "sub-00000000000000002"
	renewed, err := svc.IssueMarketplaceLicense(ctx, next)
	if err != nil {
		t.Fatalf("issue again: %v", err)
	}
	out, err = checkout(license.Provisional, tiers...)
	if err != nil || out.LicenseArn != renewed.LicenseArn {
		t.Errorf("checkout after a new sign-up: %s, %v; want %s", out.LicenseArn, err, renewed.LicenseArn)
	}
}

// TestMarketplaceLicenseValidation: a marketplace license passes the same
// validation as CreateLicense, and needs its seller and client token.
func TestMarketplaceLicenseValidation(t *testing.T) {
	svc := license.NewService(openSQLite(t).Licenses(), clock.NewManual(epoch), noOperators{}, license.Config{})
	valid := license.MarketplaceLicenseInput{
		Seller: "111111111111", Buyer: "222222222222", ProductName: "P", ProductSKU: "prod-1", LicenseName: "L",
		Begin: epoch, End: epoch.Add(time.Hour), ClientToken: "t",
		Entitlements: []license.Entitlement{{Name: "Seats", Unit: license.UnitCount, MaxCount: ptr[int64](1)}},
	}
	for _, tc := range []struct {
		name string
		edit func(*license.MarketplaceLicenseInput)
	}{
		{"NoSeller", func(in *license.MarketplaceLicenseInput) { in.Seller = "" }},
		{"NoBuyer", func(in *license.MarketplaceLicenseInput) { in.Buyer = "" }},
		{"NoClientToken", func(in *license.MarketplaceLicenseInput) { in.ClientToken = "" }},
		{"EndBeforeBegin", func(in *license.MarketplaceLicenseInput) { in.End = epoch.Add(-time.Hour) }},
		{"NegativeMaxCount", func(in *license.MarketplaceLicenseInput) { in.Entitlements[0].MaxCount = ptr[int64](-1) }},
		{"DuplicateEntitlement", func(in *license.MarketplaceLicenseInput) {
			in.Entitlements = append(in.Entitlements, in.Entitlements[0])
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := valid
			in.Entitlements = append([]license.Entitlement(nil), valid.Entitlements...)
			tc.edit(&in)
			_, err := svc.IssueMarketplaceLicense(t.Context(), in)
			if !fault.Is(err, fault.Invalid) {
				t.Errorf("got %v, want Invalid", err)
			}
		})
	}
	if _, err := svc.IssueMarketplaceLicense(t.Context(), valid); err != nil {
		t.Errorf("the valid one: %v", err)
	}
}
