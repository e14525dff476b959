package app_test

import (
	"errors"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/sdktest"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
	"github.com/tollgate/tollgate/internal/subscription"
)

func TestContractThroughLicenseManagerSQLite(t *testing.T) {
	testContractThroughLicenseManager(t, store.Config{DataDir: t.TempDir()})
}

func TestContractThroughLicenseManagerPostgres(t *testing.T) {
	testContractThroughLicenseManager(t, storetest.PostgresConfig(storetest.PostgresURL(t))(t))
}

// testContractThroughLicenseManager: a contract bought through the wired
// services is in the buyer's ListReceivedLicenses, as a stock SDK sees it,
// with the entitlements bought; CheckoutLicense works at once; an upgrade
// is version 2 and the next checkout sees it; a cancellation refuses the
// next.
func testContractThroughLicenseManager(t *testing.T, cfg store.Config) {
	ctx := t.Context()
	a, err := app.Open(ctx, app.Config{Store: cfg, Clock: app.ClockSimulated, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	seller, _, err := a.Accounts.Create(ctx, account.CreateAccountInput{Name: "seller"})
	if err != nil {
		t.Fatal(err)
	}
	buyer, key, err := a.Accounts.Create(ctx, account.CreateAccountInput{Name: "buyer"})
	if err != nil {
		t.Fatal(err)
	}
	lm := licensemanager.New(licensemanager.Options{HTTPClient: sdktest.HTTPClient(), BaseEndpoint: aws.String(srv.URL), Region: "us-east-1", RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(key.ID, key.Secret, "")})

	p, err := a.Catalog.CreateProduct(ctx, seller.ID, catalog.CreateProductInput{Name: "Acme Seats", Kind: "contract",
		Pricing: catalog.PricingInput{Contract: &catalog.ContractPricingInput{Durations: []string{"P1M", "P12M"},
			Dimensions: []catalog.ContractDimensionInput{
				{Name: "Seats", Unit: "Count", Type: "Configurable", Floating: true, Price: map[string]string{"P1M": "10.00", "P12M": "100.00"}},
				{Name: "Edition", Type: "Tiered", Tiers: map[string]map[string]string{
					"BasicTier": {"P1M": "0.00", "P12M": "0.00"}, "ProfessionalTier": {"P1M": "50.00", "P12M": "500.00"}}},
			}}}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := a.Subscriptions.Subscribe(ctx, buyer.ID, subscription.SubscribeInput{ProductCode: p.Code,
		Contract: &subscription.ContractInput{Duration: "P12M", Quantities: map[string]int64{"Seats": 3}, Tier: "ProfessionalTier"}})
	if err != nil {
		t.Fatal(err)
	}

	received := func() types.GrantedLicense {
		t.Helper()
		out, err := lm.ListReceivedLicenses(ctx, &licensemanager.ListReceivedLicensesInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Licenses) != 1 {
			t.Fatalf("%d received licenses, want 1", len(out.Licenses))
		}
		return out.Licenses[0]
	}
	l := received()
	if aws.ToString(l.LicenseArn) != sub.LicenseArn || aws.ToString(l.ProductSKU) != p.ID || aws.ToString(l.Version) != "1" ||
		aws.ToString(l.Issuer.KeyFingerprint) != a.Licenses.MarketplaceFingerprint() || l.ReceivedMetadata.ReceivedStatus != types.ReceivedStatusActive {
		t.Errorf("received license: %+v", l)
	}
	var names []string
	for _, e := range l.Entitlements {
		names = append(names, aws.ToString(e.Name)+" "+string(e.Unit))
		if aws.ToString(e.Name) == "Seats" && (aws.ToInt64(e.MaxCount) != 3 || !aws.ToBool(e.AllowCheckIn)) {
			t.Errorf("Seats entitlement: %+v", e)
		}
	}
	if want := []string{"Seats Count", "ProfessionalTier None"}; len(names) != 2 || names[0] != want[0] || names[1] != want[1] {
		t.Errorf("entitlements %v, want %v", names, want)
	}

	n := 0
	checkout := func(seats int) error {
		n++
		_, err := lm.CheckoutLicense(ctx, &licensemanager.CheckoutLicenseInput{
			ProductSKU: aws.String(p.ID), CheckoutType: types.CheckoutTypeProvisional, KeyFingerprint: aws.String(a.Licenses.MarketplaceFingerprint()),
			ClientToken:  aws.String("checkout-" + strconv.Itoa(n)),
			Entitlements: []types.EntitlementData{{Name: aws.String("Seats"), Unit: types.EntitlementDataUnitCount, Value: aws.String(strconv.Itoa(seats))}},
		})
		return err
	}
	if err := checkout(3); err != nil {
		t.Fatalf("checkout right after the sign-up: %v", err)
	}
	var noEnt *types.NoEntitlementsAllowedException
	if err := checkout(1); !errors.As(err, &noEnt) {
		t.Errorf("a fourth seat: %v, want NoEntitlementsAllowedException", err)
	}

	if _, err := a.Subscriptions.Change(ctx, buyer.ID, sub.ID, subscription.ChangeInput{Contract: &subscription.ContractInput{
		Quantities: map[string]int64{"Seats": 5}, Tier: "ProfessionalTier"}}); err != nil {
		t.Fatal(err)
	}
	if v := aws.ToString(received().Version); v != "2" {
		t.Errorf("after the upgrade: version %s, want 2", v)
	}
	if err := checkout(2); err != nil {
		t.Errorf("2 more seats after the upgrade: %v", err)
	}

	if _, err := a.Subscriptions.Cancel(ctx, buyer.ID, sub.ID); err != nil {
		t.Fatal(err)
	}
	if err := checkout(1); !errors.As(err, &noEnt) {
		t.Errorf("checkout after cancelling: %v, want NoEntitlementsAllowedException", err)
	}
	d, err := a.Subscriptions.Checker().Check(ctx, subscription.Query{Account: buyer.ID, ProductCode: p.Code, At: a.Clock.Now()})
	if err != nil || d.Entitled {
		t.Errorf("entitlement after cancelling: %v, %v", d, err)
	}
}
