package app_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/demo"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/store"
)

// TestDemoContract: a --demo server's buyer holds the demo seller's
// contract, active, from the first start; a restart on the same store
// neither duplicates it nor undoes what the buyer did with it.
func TestDemoContract(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func() *app.App {
		a, err := app.Open(ctx, app.Config{Store: store.Config{DataDir: dir}, Demo: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	w := demo.Parties()
	received := func(a *app.App) []license.GrantedLicense {
		t.Helper()
		out, err := a.Licenses.ListReceivedLicenses(ctx, w.Buyer.Account.ID, license.ListReceivedLicensesInput{})
		if err != nil {
			t.Fatal(err)
		}
		return out.Licenses
	}

	a := open()
	got := received(a)
	if len(got) != 1 || got[0].ProductSKU != demo.ProductSKU || got[0].ReceivedMetadata.ReceivedStatus != license.GrantActive {
		t.Fatalf("the demo buyer received %+v, want one active %s license", got, demo.ProductSKU)
	}
	two := int64(2)
	out, err := a.Licenses.CheckoutLicense(ctx, w.Buyer.Account.ID, license.CheckoutLicenseInput{
		ProductSKU: demo.ProductSKU, KeyFingerprint: demo.Fingerprint(w), CheckoutType: license.Perpetual, ClientToken: "reports",
		Entitlements: []license.EntitlementRequest{{Name: "Reports", Unit: license.UnitCount, Quantity: &two}}})
	if err != nil || out.LicenseArn != got[0].LicenseArn {
		t.Fatalf("checkout of the demo contract: %+v, %v", out, err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	a = open()
	if again := received(a); len(again) != 1 || again[0].LicenseArn != got[0].LicenseArn {
		t.Errorf("after a restart the demo buyer received %d licenses (%+v), want the same one", len(again), again)
	}
	usage, err := a.Licenses.GetLicenseUsage(ctx, w.Seller.Account.ID, license.GetLicenseUsageInput{LicenseArn: got[0].LicenseArn})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range usage.EntitlementUsages {
		if u.Name == "Reports" && u.Consumed != 2 {
			t.Errorf("after a restart Reports consumed %d, want 2", u.Consumed)
		}
	}

	// The seller withdraws the grant: a restart does not issue the contract
	// again.
	grants, err := a.Licenses.ListDistributedGrants(ctx, w.Seller.Account.ID, license.ListDistributedGrantsInput{
		ListInput: license.ListInput{Filters: []license.Filter{{Name: "LicenseArn", Values: []string{got[0].LicenseArn}}}}})
	if err != nil || len(grants.Grants) != 1 {
		t.Fatalf("the demo contract's grants: %+v, %v", grants, err)
	}
	if _, err := a.Licenses.DeleteGrant(ctx, w.Seller.Account.ID, license.DeleteGrantInput{
		GrantArn: grants.Grants[0].GrantArn, Version: grants.Grants[0].Version}); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a = open()
	defer a.Close()
	if again := received(a); len(again) != 0 {
		t.Errorf("after the grant was deleted and the server restarted, the buyer received %d licenses, want none", len(again))
	}
}

// TestDemoPasswords: a --demo server's accounts sign in to the console with
// the passwords the instructions print; a password changed since survives a
// restart.
func TestDemoPasswords(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func() *app.App {
		a, err := app.Open(ctx, app.Config{Store: store.Config{DataDir: dir}, Demo: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	w := demo.Parties()
	a := open()
	for _, p := range []demo.Party{w.Operator, w.Seller, w.Buyer} {
		if _, _, err := a.Accounts.SignIn(ctx, account.SignInInput{AccountID: p.Account.ID, Password: p.Password}); err != nil {
			t.Errorf("demo %s signs in with %q: %v", p.Role, p.Password, err)
		}
		if !strings.Contains(demo.Instructions(*a.Demo, "http://127.0.0.1:7070"), p.Account.ID+"  password "+p.Password) {
			t.Errorf("the instructions do not print the %s's password", p.Role)
		}
	}
	const changed = "the buyer's own password"
	if err := a.Accounts.SetPassword(ctx, account.SetPasswordInput{AccountID: w.Buyer.Account.ID, Password: changed}); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a = open()
	defer a.Close()
	if _, _, err := a.Accounts.SignIn(ctx, account.SignInInput{AccountID: w.Buyer.Account.ID, Password: changed}); err != nil {
		t.Errorf("after a restart the buyer's changed password no longer works: %v", err)
	}
}

// TestDemoProduct: a --demo server sells the seller's paid image with hourly
// and annual prices at a purchase URL that is the same in every demo store
// and after restarts, and a restart registers it only once.
func TestDemoProduct(t *testing.T) {
	ctx := context.Background()
	codes := map[string]bool{}
	for _, dir := range []string{t.TempDir(), t.TempDir()} {
		for range 2 { // a restart on the same store
			a, err := app.Open(ctx, app.Config{Store: store.Config{DataDir: dir}, Demo: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			p := a.Demo.ImageProduct
			codes[p.Code] = true
			page, err := a.Catalog.ListProducts(ctx, demo.Parties().Seller.Account.ID, catalog.ListInput{})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Products) != 1 || page.Products[0].ID != p.ID {
				t.Errorf("the demo seller has %d products, want the demo image once", len(page.Products))
			}
			if p.Kind != catalog.PaidImage || len(p.Pricing.Hourly) == 0 || len(p.Pricing.Annual) == 0 {
				t.Errorf("demo product %+v: want a paid image with hourly and annual prices", p)
			}
			if !strings.Contains(demo.Instructions(*a.Demo, "http://h"), "http://h"+catalog.PurchasePath(p.Code)) {
				t.Errorf("the demo's instructions do not print the purchase URL of %s", p.Code)
			}
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(codes) != 1 {
		t.Errorf("demo stores got product codes %v, want one and the same", codes)
	}
}

// TestDemoImage: the demo seller's image carries the demo product's code
// (a marketplace code), is shared with the demo buyer and no one else, has
// the same ID in every demo store, and a restart registers it only once.
func TestDemoImage(t *testing.T) {
	ctx := context.Background()
	ids := map[string]bool{}
	w := demo.Parties()
	for _, dir := range []string{t.TempDir(), t.TempDir()} {
		for range 2 { // a restart on the same store
			a, err := app.Open(ctx, app.Config{Store: store.Config{DataDir: dir}, Demo: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			img := a.Demo.Image
			ids[img.ID] = true
			if img.ProductCode != (image.ProductCode{Code: a.Demo.ImageProduct.Code, Type: image.Marketplace}) {
				t.Errorf("demo image code %+v, want the demo product's marketplace code", img.ProductCode)
			}
			mine, err := a.Images.Describe(ctx, w.Seller.Account.ID, image.DescribeInput{Owners: []string{image.Self}})
			if err != nil {
				t.Fatal(err)
			}
			if len(mine.Images) != 1 || mine.Images[0].ID != img.ID {
				t.Errorf("the demo seller has %d images, want the demo image once", len(mine.Images))
			}
			for who, want := range map[string]int{w.Buyer.Account.ID: 1, w.Operator.Account.ID: 0} {
				seen, err := a.Images.Describe(ctx, who, image.DescribeInput{ExecutableBy: []string{image.Self}})
				if err != nil {
					t.Fatal(err)
				}
				if len(seen.Images) != want {
					t.Errorf("account %s may launch %d images, want %d", who, len(seen.Images), want)
				}
			}
			if !strings.Contains(demo.Instructions(*a.Demo, "http://h"), "--image-id "+img.ID) {
				t.Errorf("the demo's instructions do not show how to launch %s", img.ID)
			}
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(ids) != 1 {
		t.Errorf("demo stores got image IDs %v, want one and the same", ids)
	}
}
