package licensemanager_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/google/go-cmp/cmp"
)

var _ = sdk("LiveCheckoutsAcrossALoweredCount", testLiveCheckoutsAcrossALoweredCount)

// testLiveCheckoutsAcrossALoweredCount is the rule for a new version that
// lowers MaxCount below what is checked out: the new count applies to new
// checkouts; live ones run until they expire, and are not extended while
// the pool is over the new count, with a message that says so. Usage shows
// the pool over its count meanwhile ("3/2"), and back within it as they
// end.
func testLiveCheckoutsAcrossALoweredCount(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	seller, buyer := e.party("seller", false), e.party("buyer", false)
	sku := newSKU()
	in := e.licenseInput(sku, buyer.ID, counted("Users", 3, false))
	arn := e.createLicense(seller, in)
	e.grantActive(seller, buyer, arn)
	fp := seller.selfFingerprint()
	var live []*licensemanager.CheckoutLicenseOutput
	for range 3 {
		live = append(live, e.mustCheckout(buyer, sku, fp, types.CheckoutTypeProvisional, want("Users", 1)))
	}
	e.advance(10 * time.Minute)
	if _, err := seller.LM.CreateLicenseVersion(e.ctx, versionInput(arn, in, counted("Users", 2, false))); err != nil {
		t.Fatalf("CreateLicenseVersion lowering MaxCount: %v", err)
	}
	usage := func(step, want string) {
		t.Helper()
		if diff := cmp.Diff(map[string]string{"Users": want}, e.usage(seller, arn)); diff != "" {
			t.Errorf("%s: usage (-want +got):\n%s", step, diff)
		}
	}
	usage("after the new version", "3/2")
	_, err := e.checkout(buyer, sku, fp, types.CheckoutTypeProvisional, want("Users", 1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)

	extend := func(out *licensemanager.CheckoutLicenseOutput) error {
		_, err := buyer.LM.ExtendLicenseConsumption(e.ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: out.LicenseConsumptionToken})
		return err
	}
	err = extend(live[0])
	if got := errorCode(t, err); got != "NoEntitlementsAllowedException" {
		t.Fatalf("extending while over the new count: %q (%v), want NoEntitlementsAllowedException", got, err)
	}
	msg := err.Error()
	for _, want := range []string{"version 2", "allows 2", "a new count applies to new checkouts", "live ones run until they expire",
		aws.ToString(live[0].Expiration), "without extension"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "went to others") {
		t.Errorf("the refusal %q blames other checkouts", msg)
	}
	// The live checkouts still count and check in; within the new count,
	// the rest extend under it.
	if _, err := buyer.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: live[2].LicenseConsumptionToken}); err != nil {
		t.Fatalf("checking in a checkout made under the old count: %v", err)
	}
	usage("after a check-in", "2/2")
	if err := extend(live[0]); err != nil {
		t.Errorf("extending within the new count: %v", err)
	}
	// The other runs to its expiry, after which the pool is within its count.
	e.advance(ttl - 5*time.Minute)
	usage("after the unextended checkout expired", "1/2")
	e.mustCheckout(buyer, sku, fp, types.CheckoutTypeProvisional, want("Users", 1))
	_, err = e.checkout(buyer, sku, fp, types.CheckoutTypeProvisional, want("Users", 1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)
}
