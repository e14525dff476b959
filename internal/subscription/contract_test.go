package subscription_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/subscription"
)

// checkout checks entitlements of a product out of the buyer's marketplace
// license.
func (e *env) checkout(productSKU string, ents ...license.EntitlementRequest) (license.CheckoutOutput, error) {
	e.tokens++
	return e.licenses.CheckoutLicense(e.t.Context(), buyer, license.CheckoutLicenseInput{
		ProductSKU: productSKU, CheckoutType: license.Provisional, KeyFingerprint: e.licenses.MarketplaceFingerprint(),
		Entitlements: ents, ClientToken: fmt.Sprintf("checkout-%d", e.tokens),
	})
}

func seats(n int64) license.EntitlementRequest {
	return license.EntitlementRequest{Name: "Seats", Unit: license.UnitCount, Quantity: &n}
}

var tiers = []license.EntitlementRequest{{Name: "BasicTier", Unit: license.UnitNone}, {Name: "ProfessionalTier", Unit: license.UnitNone}}

// received returns the buyer's marketplace licenses, as the License Manager
// lists them.
func (e *env) received() []license.GrantedLicense {
	e.t.Helper()
	out, err := e.licenses.ListReceivedLicenses(e.t.Context(), buyer, license.ListReceivedLicensesInput{})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.Licenses
}

// TestContractLifecycle: a contract sign-up's license has the entitlements
// bought, for the term, and checks out at once; an upgrade is version 2,
// which the next checkout sees; a renewal version 3; a cancellation ends
// checkouts at once.
func TestContractLifecycle(t *testing.T) {
	backends(t, testContractLifecycle)
}

func testContractLifecycle(t *testing.T, open backend) {
	e := newEnv(t, open)
	ctx := t.Context()
	p := e.put(contractProduct())
	sub := e.subscribe(buyer, subscription.SubscribeInput{ProductCode: p.Code, Contract: &subscription.ContractInput{
		Duration: "P12M", Quantities: map[string]int64{"Seats": 3, "Storage": 10}, Tier: "ProfessionalTier"}})
	if sub.Status != subscription.Active || sub.LicenseArn == "" || sub.LicensePending {
		t.Fatalf("contract sign-up: %+v", sub)
	}
	if d := e.check(buyer, p.Code, ""); !d.Entitled {
		t.Errorf("contract sign-up: %v", d)
	}
	three, ten := int64(3), int64(10)
	yes := true
	got := e.received()
	if len(got) != 1 {
		t.Fatalf("%d received licenses", len(got))
	}
	want := license.GrantedLicense{
		License: license.License{
			LicenseArn: sub.LicenseArn, LicenseName: "Acme Seats contract", ProductName: "Acme Seats", ProductSKU: p.ID,
			Issuer:     license.Issuer{Name: license.MarketplaceIssuerName, KeyFingerprint: e.licenses.MarketplaceFingerprint()},
			HomeRegion: license.MarketplaceHomeRegion, Status: license.StatusAvailable,
			Validity: license.Validity{Begin: start, End: start.AddDate(1, 0, 0)}, Beneficiary: buyer,
			Entitlements: []license.Entitlement{
				{Name: "Seats", Unit: license.UnitCount, MaxCount: &three, AllowCheckIn: &yes},
				{Name: "Storage", Unit: "Gigabytes", MaxCount: &ten},
				{Name: "ProfessionalTier", Unit: license.UnitNone, Value: "Enabled"},
			},
			ConsumptionConfiguration: got[0].ConsumptionConfiguration, CreateTime: start, Version: "1", Owner: seller,
		},
		ReceivedMetadata: license.ReceivedMetadata{ReceivedStatus: license.GrantActive, AllowedOperations: got[0].ReceivedMetadata.AllowedOperations},
	}
	diff(t, "the license bought", want, got[0])
	if _, err := e.checkout(p.ID, seats(3)); err != nil {
		t.Fatalf("checkout of the 3 seats bought: %v", err)
	}
	if _, err := e.checkout(p.ID, seats(1)); !fault.Is(err, fault.LimitExceeded) {
		t.Errorf("a fourth seat: %v, want NoEntitlementsAllowed", err)
	}
	if out, err := e.checkout(p.ID, tiers...); err != nil || out.EntitlementsAllowed[0].Name != "ProfessionalTier" {
		t.Errorf("tier checkout: %+v, %v", out, err)
	}

	// An upgrade: 2 more seats, charged for the term; version 2.
	e.clk.Advance(24 * time.Hour)
	before := len(e.charges(sub))
	up, err := e.svc.Change(ctx, buyer, sub.ID, subscription.ChangeInput{Contract: &subscription.ContractInput{
		Quantities: map[string]int64{"Seats": 5, "Storage": 10}, Tier: "ProfessionalTier"}})
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	if up.LicenseRevision != 1 || up.LicensePending || up.TermEndsAt != sub.TermEndsAt || up.Contract.Quantities["Seats"] != 5 {
		t.Errorf("upgraded: %+v", up)
	}
	now := e.clk.Now()
	diff(t, "upgrade charges", []subscription.Charge{{
		SubscriptionID: sub.ID, Buyer: buyer, Seller: seller, ProductID: p.ID, ProductCode: p.Code, PriceVersion: 1,
		Kind: subscription.ChargeContractFee, Description: "2 more Seats for the rest of the P12M term", Quantity: 2,
		UnitPrice: usd("100.00"), Amount: usd("200.00"), PeriodStart: now, PeriodEnd: sub.TermEndsAt, DueAt: now, CreatedAt: now,
	}}, e.charges(sub)[before:], ignoreStamps)
	if got := e.received(); len(got) != 1 || got[0].Version != "2" {
		t.Errorf("after the upgrade: %+v", got)
	}
	if _, err := e.checkout(p.ID, seats(2)); err != nil {
		t.Errorf("2 more seats after the upgrade: %v", err)
	}

	// What is not an upgrade is refused, with every reason.
	_, err = e.svc.Change(ctx, buyer, sub.ID, subscription.ChangeInput{Contract: &subscription.ContractInput{
		Quantities: map[string]int64{"Seats": 4}, Tier: "BasicTier"}})
	diff(t, "a downgrade", []string{"Contract.Quantities.Seats decrease", "Contract.Quantities.Storage decrease", "Contract.Tier decrease"}, codes(t, fields(t, err)))
	_, err = e.svc.Change(ctx, buyer, sub.ID, subscription.ChangeInput{Contract: &subscription.ContractInput{
		Quantities: map[string]int64{"Seats": 5, "Storage": 10}, Tier: "ProfessionalTier"}})
	diff(t, "no change", []string{"Contract unchanged"}, codes(t, fields(t, err)))
	_, err = e.svc.Change(ctx, seller, sub.ID, subscription.ChangeInput{Contract: &subscription.ContractInput{Quantities: map[string]int64{"Seats": 9}, Tier: "ProfessionalTier"}})
	wantKind(t, err, fault.Forbidden)

	// A renewal for a month of one seat, from the end of the term: version 3.
	renewed, err := e.svc.Change(ctx, buyer, sub.ID, subscription.ChangeInput{Renew: true, Contract: &subscription.ContractInput{
		Duration: "P1M", Quantities: map[string]int64{"Seats": 1}, Tier: "BasicTier"}})
	if err != nil {
		t.Fatalf("renew: %v", err)
	}
	if want := sub.TermEndsAt.AddDate(0, 1, 0); !renewed.TermEndsAt.Equal(want) {
		t.Errorf("renewed to %v, want %v", renewed.TermEndsAt, want)
	}
	if got := e.received(); len(got) != 1 || got[0].Version != "3" || !got[0].Validity.End.Equal(renewed.TermEndsAt) {
		t.Errorf("after the renewal: %+v", got)
	}

	// Cancelled: checkouts are refused at once.
	if _, err := e.svc.Cancel(ctx, buyer, sub.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.checkout(p.ID, tiers...); !fault.Is(err, fault.LimitExceeded) {
		t.Errorf("checkout after cancelling: %v, want NoEntitlementsAllowed", err)
	}
	if got := e.received(); len(got) != 1 || got[0].Status != license.StatusDeactivated {
		t.Errorf("after cancelling: %+v", got)
	}
	// A new sign-up's license is the one checked out.
	again := e.subscribe(buyer, subscription.SubscribeInput{ProductCode: p.Code, Contract: &subscription.ContractInput{
		Duration: "P1M", Quantities: map[string]int64{"Seats": 1}, Tier: "BasicTier"}})
	if out, err := e.checkout(p.ID, tiers...); err != nil || out.LicenseArn != again.LicenseArn || out.EntitlementsAllowed[0].Name != "BasicTier" {
		t.Errorf("checkout after signing up again: %+v, %v", out, err)
	}
}

// flakyLicenser fails on request: before a license is issued (the
// license manager is down), or after (the process dies before it records
// the license).
type flakyLicenser struct {
	subscription.Licenser
	failBefore, failAfter, failDeactivate atomic.Bool
	mu                                    sync.Mutex
	issued                                []string
}

var errDown = fault.New(fault.Unavailable, "the license manager is down")

func (f *flakyLicenser) IssueMarketplaceLicense(ctx context.Context, in license.MarketplaceLicenseInput) (license.MarketplaceLicense, error) {
	if f.failBefore.Load() {
		return license.MarketplaceLicense{}, errDown
	}
	out, err := f.Licenser.IssueMarketplaceLicense(ctx, in)
	f.mu.Lock()
	f.issued = append(f.issued, out.LicenseArn)
	f.mu.Unlock()
	if f.failAfter.Load() {
		return license.MarketplaceLicense{}, errDown
	}
	return out, err
}

func (f *flakyLicenser) DeactivateMarketplaceLicense(ctx context.Context, seller, arn string) error {
	if f.failDeactivate.Load() {
		return errDown
	}
	return f.Licenser.DeactivateMarketplaceLicense(ctx, seller, arn)
}

// TestContractRecovery: a sign-up whose license could not be issued, or was
// issued but not recorded, stays pending, not entitled; the sweep
// (SyncLicenses) or a retry with the client token finishes it with one
// license; a cancellation whose deactivation failed is finished the same
// way.
func TestContractRecovery(t *testing.T) {
	backends(t, testContractRecovery)
}

func testContractRecovery(t *testing.T, open backend) {
	e := newEnv(t, open)
	ctx := t.Context()
	flaky := &flakyLicenser{Licenser: e.licenses}
	e.svc = e.service(e.db, flaky)
	p := e.put(contractProduct())
	in := subscription.SubscribeInput{ProductCode: p.Code, ClientToken: "contract-1", Contract: &subscription.ContractInput{
		Duration: "P1M", Quantities: map[string]int64{"Seats": 2}, Tier: "BasicTier"}}
	live := func() subscription.Subscription {
		t.Helper()
		page, err := e.svc.List(ctx, buyer, subscription.ListInput{ProductID: p.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Subscriptions {
			if s.Live() {
				return s
			}
		}
		t.Fatalf("no live subscription among %+v", page.Subscriptions)
		return subscription.Subscription{}
	}

	// The license manager is down: the sign-up fails, and stays pending.
	flaky.failBefore.Store(true)
	if _, err := e.svc.Subscribe(ctx, buyer, in); !fault.Is(err, fault.Unavailable) {
		t.Fatalf("sign-up with the license manager down: %v", err)
	}
	sub := live()
	if sub.Status != subscription.Pending || !sub.LicensePending || sub.LicenseArn != "" {
		t.Fatalf("after a failed issue: %+v", sub)
	}
	if d := e.check(buyer, p.Code, ""); d.Entitled {
		t.Errorf("pending: %v", d)
	}
	if n, err := e.svc.SyncLicenses(ctx); n != 0 || !fault.Is(err, fault.Unavailable) {
		t.Errorf("sweep with the license manager still down: %d, %v", n, err)
	}
	// It comes back; the sweep finishes the sign-up.
	flaky.failBefore.Store(false)
	if n, err := e.svc.SyncLicenses(ctx); n != 1 || err != nil {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	sub = live()
	if sub.Status != subscription.Active || sub.LicensePending || sub.LicenseArn == "" || len(e.received()) != 1 {
		t.Fatalf("after the sweep: %+v, %d licenses", sub, len(e.received()))
	}
	if d := e.check(buyer, p.Code, ""); !d.Entitled {
		t.Errorf("after the sweep: %v", d)
	}

	// The deactivation fails: the cancellation stands, checkouts still
	// work until the retry finishes it.
	flaky.failDeactivate.Store(true)
	if _, err := e.svc.Cancel(ctx, buyer, sub.ID); !fault.Is(err, fault.Unavailable) {
		t.Fatalf("cancel with the license manager down: %v", err)
	}
	if d := e.check(buyer, p.Code, ""); d.Entitled {
		t.Errorf("cancelled: %v", d)
	}
	flaky.failDeactivate.Store(false)
	if got, err := e.svc.Cancel(ctx, buyer, sub.ID); err != nil || got.LicensePending {
		t.Fatalf("cancel again: %+v, %v", got, err)
	}
	if _, err := e.checkout(p.ID, tiers...); !fault.Is(err, fault.LimitExceeded) {
		t.Errorf("checkout after the cancellation finished: %v", err)
	}

	// Issued, but not recorded: the retry gets the license already issued.
	in.ClientToken = "contract-2"
	flaky.failAfter.Store(true)
	if _, err := e.svc.Subscribe(ctx, buyer, in); !fault.Is(err, fault.Unavailable) {
		t.Fatalf("sign-up that dies after the issue: %v", err)
	}
	flaky.failAfter.Store(false)
	retried := e.subscribe(buyer, in)
	if retried.Status != subscription.Active || retried.LicenseArn != flaky.issued[len(flaky.issued)-1] {
		t.Errorf("retried: %+v; issued %v", retried, flaky.issued)
	}
	if n := len(e.received()); n != 2 {
		t.Errorf("%d licenses received, want 2 (one per sign-up)", n)
	}

	// Cancelled while pending: the license issued meanwhile is found and
	// deactivated.
	if _, err := e.svc.Cancel(ctx, buyer, retried.ID); err != nil {
		t.Fatal(err)
	}
	in.ClientToken = "contract-3"
	flaky.failAfter.Store(true)
	if _, err := e.svc.Subscribe(ctx, buyer, in); err == nil {
		t.Fatal("sign-up that dies after the issue succeeded")
	}
	flaky.failAfter.Store(false)
	third := live()
	for _, s := range []subscription.Subscription{third} {
		if s.Status != subscription.Pending {
			t.Fatalf("third sign-up: %+v", s)
		}
	}
	got, err := e.svc.Cancel(ctx, buyer, third.ID)
	if err != nil || got.Status != subscription.Cancelled || got.LicensePending || got.LicenseArn != flaky.issued[len(flaky.issued)-1] {
		t.Fatalf("cancel of a pending sign-up: %+v, %v; issued %v", got, err, flaky.issued)
	}
	for _, l := range e.received() {
		if l.Status != license.StatusDeactivated {
			t.Errorf("license %s of a cancelled sign-up is %s", l.LicenseArn, l.Status)
		}
	}
}
