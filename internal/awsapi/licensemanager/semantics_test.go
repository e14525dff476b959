package licensemanager_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/google/go-cmp/cmp"
)

var _ = sdk("NoCheckoutBeforeAcceptAndActivate", testNoCheckoutBeforeAcceptAndActivate)

// testNoCheckoutBeforeAcceptAndActivate: a grant entitles its grantee only
// once accepted and activated.
func testNoCheckoutBeforeAcceptAndActivate(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	seller, buyer := e.party("seller", false), e.party("buyer", false)
	sku := newSKU()
	arn := e.createLicense(seller, e.licenseInput(sku, buyer.ID, counted("Users", 5, false)))
	fp := seller.selfFingerprint()
	try := func() error {
		_, err := e.checkout(buyer, sku, fp, types.CheckoutTypeProvisional, want("Users", 1))
		return err
	}
	expectErr[*types.NoEntitlementsAllowedException](t, try())
	g := e.createGrant(seller, buyer, arn)
	expectErr[*types.NoEntitlementsAllowedException](t, try())
	e.accept(buyer, g)
	expectErr[*types.NoEntitlementsAllowedException](t, try())
	e.activate(buyer, g)
	if err := try(); err != nil {
		t.Fatalf("checkout with an active grant: %v", err)
	}
	// The issuer itself holds no grant, so it cannot check out.
	_, err := e.checkout(seller, sku, fp, types.CheckoutTypeProvisional, want("Users", 1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)
}

var _ = sdk("Drawdown", testDrawdown)

// testDrawdown: PERPETUAL checkouts of 10 against MaxCount 50 succeed five
// times; the sixth is refused; without overage the pool never goes over.
func testDrawdown(t *testing.T, be backend) {
	t.Parallel()
	tests := []struct {
		name      string
		overage   bool
		successes int
		wantUsage string
	}{
		{"no overage", false, 5, "50/50"},
		{"overage", true, 7, "70/50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, be)
			x := e.entitle(nil, counted("DataConsumption", 50, tt.overage))
			for i := range 7 {
				out, err := e.checkout(x.buyer, x.sku, x.fp, types.CheckoutTypePerpetual, want("DataConsumption", 10))
				if i < tt.successes {
					if err != nil {
						t.Fatalf("checkout %d: %v", i+1, err)
					}
					if out.CheckoutType != types.CheckoutTypePerpetual || aws.ToString(out.EntitlementsAllowed[0].Value) != "10" {
						t.Errorf("checkout %d = %s %+v", i+1, out.CheckoutType, out.EntitlementsAllowed)
					}
					continue
				}
				expectErr[*types.NoEntitlementsAllowedException](t, err)
			}
			if diff := cmp.Diff(map[string]string{"DataConsumption": tt.wantUsage}, e.usage(x.seller, x.licenseArn)); diff != "" {
				t.Errorf("GetLicenseUsage (-want +got):\n%s", diff)
			}
			// Drawn units never come back.
			e.advance(48 * time.Hour)
			if diff := cmp.Diff(map[string]string{"DataConsumption": tt.wantUsage}, e.usage(x.seller, x.licenseArn)); diff != "" {
				t.Errorf("GetLicenseUsage two days later (-want +got):\n%s", diff)
			}
		})
	}
}

var _ = sdk("Floating", testFloating)

// testFloating: PROVISIONAL checkouts of a pool of 2; the third waits for a
// check-in or for a checkout's time to live to pass.
func testFloating(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("PowerUsers", 2, false))
	co := func() (*licensemanager.CheckoutLicenseOutput, error) {
		return e.checkout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, want("PowerUsers", 1))
	}
	first, err := co()
	if err != nil {
		t.Fatalf("first checkout: %v", err)
	}
	if _, err := co(); err != nil {
		t.Fatalf("second checkout: %v", err)
	}
	_, err = co()
	expectErr[*types.NoEntitlementsAllowedException](t, err)

	if _, err := x.buyer.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: first.LicenseConsumptionToken}); err != nil {
		t.Fatalf("CheckInLicense: %v", err)
	}
	third, err := co()
	if err != nil {
		t.Fatalf("checkout after check-in: %v", err)
	}
	_, err = co()
	expectErr[*types.NoEntitlementsAllowedException](t, err)

	// Nobody checks the seats in: 61 minutes later they are free.
	e.advance(59 * time.Minute)
	_, err = co()
	expectErr[*types.NoEntitlementsAllowedException](t, err)
	e.advance(2 * time.Minute)
	if diff := cmp.Diff(map[string]string{"PowerUsers": "0/2"}, e.usage(x.seller, x.licenseArn)); diff != "" {
		t.Errorf("usage after the time to live (-want +got):\n%s", diff)
	}
	for i := range 2 {
		if _, err := co(); err != nil {
			t.Fatalf("checkout %d after the seats expired: %v", i+1, err)
		}
	}
	_, err = co()
	expectErr[*types.NoEntitlementsAllowedException](t, err)
	// The lapsed checkout's token is gone.
	_, err = x.buyer.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: third.LicenseConsumptionToken})
	expectErr[*types.ResourceNotFoundException](t, err)
	_, err = x.buyer.LM.ExtendLicenseConsumption(e.ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: third.LicenseConsumptionToken})
	expectErr[*types.ResourceNotFoundException](t, err)
}

var _ = sdk("Tiered", testTiered)

// testTiered: a tiered license holds one tier; a checkout naming every tier
// gets that one back.
func testTiered(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, tier("IntermediateTier"))
	allTiers := []types.EntitlementData{wantTier("BasicTier"), wantTier("IntermediateTier"), wantTier("PremiumTier")}
	intermediate := []types.EntitlementData{{Name: aws.String("IntermediateTier"), Value: aws.String("Enabled"), Unit: types.EntitlementDataUnitNone}}
	for _, typ := range []types.CheckoutType{types.CheckoutTypeProvisional, types.CheckoutTypePerpetual} {
		out := e.mustCheckout(x.buyer, x.sku, x.fp, typ, allTiers...)
		if diff := cmp.Diff(intermediate, out.EntitlementsAllowed, ignoreUnexported); diff != "" {
			t.Errorf("%s checkout naming every tier (-want +got):\n%s", typ, diff)
		}
	}
	// Tiers are not counted: checking out again and again works.
	for range 3 {
		e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, allTiers...)
	}
	_, err := e.checkout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, wantTier("PremiumTier"))
	expectErr[*types.NoEntitlementsAllowedException](t, err)
	_, err = e.checkout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, wantTier("BasicTier"), wantTier("PremiumTier"))
	expectErr[*types.NoEntitlementsAllowedException](t, err)
}

var _ = sdk("Validity", testValidity)

// testValidity: no checkout outside the license's validity window.
func testValidity(t *testing.T, be backend) {
	t.Parallel()
	tests := []struct {
		name          string
		begin, end    time.Duration // from now
		advance       time.Duration
		wantEntitled  bool
		wantAfterward bool // after advance
	}{
		{"begins in the future", time.Hour, 48 * time.Hour, 2 * time.Hour, false, true},
		{"ends after clock advance", -time.Hour, 24 * time.Hour, 25 * time.Hour, true, false},
		{"no end", -time.Hour, 0, 10 * 365 * 24 * time.Hour, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, be)
			now := e.now()
			x := e.entitle(func(in *licensemanager.CreateLicenseInput) {
				in.Validity.Begin = aws.String(now.Add(tt.begin).Format(isoFormat))
				in.Validity.End = nil
				if tt.end != 0 {
					in.Validity.End = aws.String(now.Add(tt.end).Format(isoFormat))
				}
			}, counted("Users", 100, false))
			check := func(step string, entitled bool) {
				t.Helper()
				_, err := e.checkout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, want("Users", 1))
				if entitled {
					if err != nil {
						t.Errorf("%s: checkout: %v", step, err)
					}
					return
				}
				expectErr[*types.NoEntitlementsAllowedException](t, err)
			}
			check("now", tt.wantEntitled)
			e.advance(tt.advance)
			check("after advancing", tt.wantAfterward)
		})
	}
}

var _ = sdk("TwoGrantsForOneProduct", testTwoGrantsForOneProduct)

// testTwoGrantsForOneProduct: one active grant per product; activating a
// second needs ActivationOverrideBehavior, and disables the first.
func testTwoGrantsForOneProduct(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	seller, buyer := e.party("seller", false), e.party("buyer", false)
	sku := newSKU()
	fp := seller.selfFingerprint()
	l1 := e.createLicense(seller, e.licenseInput(sku, buyer.ID, counted("Users", 1, false)))
	l2 := e.createLicense(seller, e.licenseInput(sku, buyer.ID, counted("Users", 10, false)))
	g1 := e.grantActive(seller, buyer, l1)
	g2 := e.createGrant(seller, buyer, l2)
	e.accept(buyer, g2)

	if out := e.mustCheckout(buyer, sku, fp, types.CheckoutTypeProvisional, want("Users", 1)); aws.ToString(out.LicenseArn) != l1 {
		t.Errorf("checkout from %s, want the first license %s", aws.ToString(out.LicenseArn), l1)
	}
	_, err := e.setGrantStatus(buyer, g2, types.GrantStatusActive, nil)
	expectErr[*types.ValidationException](t, err)
	_, err = e.setGrantStatus(buyer, g2, types.GrantStatusActive, &types.Options{ActivationOverrideBehavior: "SOMETIMES"})
	expectErr[*types.ValidationException](t, err)

	out, err := e.setGrantStatus(buyer, g2, types.GrantStatusActive,
		&types.Options{ActivationOverrideBehavior: types.ActivationOverrideBehaviorAllGrantsPermittedByIssuer})
	if err != nil {
		t.Fatalf("activating with ALL_GRANTS_PERMITTED_BY_ISSUER: %v", err)
	}
	if out.Status != types.GrantStatusActive {
		t.Errorf("second grant %s, want ACTIVE", out.Status)
	}
	status := func(arn string) types.GrantStatus {
		t.Helper()
		g, err := buyer.LM.GetGrant(e.ctx, &licensemanager.GetGrantInput{GrantArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("GetGrant: %v", err)
		}
		return g.Grant.GrantStatus
	}
	if got := status(g1); got != types.GrantStatusDisabled {
		t.Errorf("first grant %s after the override, want DISABLED", got)
	}
	g2Grant, err := buyer.LM.GetGrant(e.ctx, &licensemanager.GetGrantInput{GrantArn: aws.String(g2)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&types.Options{ActivationOverrideBehavior: types.ActivationOverrideBehaviorAllGrantsPermittedByIssuer}, g2Grant.Grant.Options, ignoreUnexported); diff != "" {
		t.Errorf("second grant's Options (-want +got):\n%s", diff)
	}
	// Checkouts now come from the second license; the first stays shut
	// until re-activated (which in turn needs the override).
	for range 5 {
		if out := e.mustCheckout(buyer, sku, fp, types.CheckoutTypeProvisional, want("Users", 1)); aws.ToString(out.LicenseArn) != l2 {
			t.Errorf("checkout from %s, want the second license %s", aws.ToString(out.LicenseArn), l2)
		}
	}
	_, err = e.setGrantStatus(buyer, g1, types.GrantStatusActive, nil)
	expectErr[*types.ValidationException](t, err)
	received, err := buyer.LM.ListReceivedLicenses(e.ctx, &licensemanager.ListReceivedLicensesInput{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]types.ReceivedStatus{}
	for _, l := range received.Licenses {
		got[aws.ToString(l.LicenseArn)] = l.ReceivedMetadata.ReceivedStatus
	}
	if diff := cmp.Diff(map[string]types.ReceivedStatus{l1: types.ReceivedStatusDisabled, l2: types.ReceivedStatusActive}, got); diff != "" {
		t.Errorf("ListReceivedLicenses (-want +got):\n%s", diff)
	}
}

var _ = sdk("MarketplaceLicense", testMarketplaceLicense)

// testMarketplaceLicense is the seller guide's flow end to end: the
// marketplace (an operator account) issues the license; the seller's
// software, running as the buyer, checks out with the published
// marketplace fingerprint.
func testMarketplaceLicense(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	operator, buyer := e.party("marketplace", true), e.party("buyer", false)
	sku := newSKU()
	in := e.licenseInput(sku, buyer.ID, counted("ReadOnly", 5, false))
	in.Issuer = &types.Issuer{Name: aws.String("AWS/Marketplace")}
	arn := e.createLicense(operator, in)
	e.createMarketplaceGrant(operator, buyer, arn)

	got, err := buyer.LM.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetLicense: %v", err)
	}
	if fp := aws.ToString(got.License.Issuer.KeyFingerprint); fp != marketplaceFingerprint {
		t.Fatalf("KeyFingerprint %q, want %q", fp, marketplaceFingerprint)
	}
	out := e.mustCheckout(buyer, sku, marketplaceFingerprint, types.CheckoutTypeProvisional, want("ReadOnly", 1))
	if aws.ToString(out.LicenseArn) != arn {
		t.Errorf("checked out %s, want %s", aws.ToString(out.LicenseArn), arn)
	}
	// The operator's own Self fingerprint, or anyone else's, finds nothing.
	for _, fp := range []string{operator.selfFingerprint(), "aws:123456789012:AWS/Marketplace:issuer-fingerprint"} {
		_, err := e.checkout(buyer, sku, fp, types.CheckoutTypeProvisional, want("ReadOnly", 1))
		expectErr[*types.NoEntitlementsAllowedException](t, err)
	}
}

var _ = sdk("LicenseStatusGatesCheckout", testLicenseStatusGatesCheckout)

// testLicenseStatusGatesCheckout: only an AVAILABLE license checks out; a
// new version can take it out of service and bring it back.
func testLicenseStatusGatesCheckout(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	seller, buyer := e.party("seller", false), e.party("buyer", false)
	sku := newSKU()
	in := e.licenseInput(sku, buyer.ID, counted("Users", 5, false))
	arn := e.createLicense(seller, in)
	e.grantActive(seller, buyer, arn)
	fp := seller.selfFingerprint()
	for _, status := range []types.LicenseStatus{types.LicenseStatusDeactivated, types.LicenseStatusSuspended,
		types.LicenseStatusExpired, types.LicenseStatusPendingAvailable} {
		t.Run(string(status), func(t *testing.T) {
			v := versionInput(arn, in, counted("Users", 5, false))
			v.Status = status
			if _, err := seller.LM.CreateLicenseVersion(e.ctx, v); err != nil {
				t.Fatalf("CreateLicenseVersion %s: %v", status, err)
			}
			_, err := e.checkout(buyer, sku, fp, types.CheckoutTypeProvisional, want("Users", 1))
			expectErr[*types.NoEntitlementsAllowedException](t, err)
			if _, err := seller.LM.CreateLicenseVersion(e.ctx, versionInput(arn, in, counted("Users", 5, false))); err != nil {
				t.Fatalf("CreateLicenseVersion AVAILABLE: %v", err)
			}
			out := e.mustCheckout(buyer, sku, fp, types.CheckoutTypeProvisional, want("Users", 1))
			if _, err := buyer.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: out.LicenseConsumptionToken}); err != nil {
				t.Fatalf("CheckInLicense: %v", err)
			}
		})
	}
	_, err := seller.LM.CreateLicenseVersion(e.ctx, &licensemanager.CreateLicenseVersionInput{LicenseArn: aws.String(arn),
		LicenseName: in.LicenseName, ProductName: in.ProductName, Issuer: in.Issuer, HomeRegion: in.HomeRegion, Validity: in.Validity,
		Entitlements: in.Entitlements, ConsumptionConfiguration: in.ConsumptionConfiguration, Status: "RETIRED", ClientToken: newToken()})
	expectErr[*types.ValidationException](t, err)
}
