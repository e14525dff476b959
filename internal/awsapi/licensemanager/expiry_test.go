package licensemanager_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
)

var _ = sdk("LicenseStatusFollowsValidity", testLicenseStatusFollowsValidity)

// testLicenseStatusFollowsValidity: on the injected clock, a license whose
// validity has not begun is PENDING_AVAILABLE, and one whose validity has
// ended is EXPIRED, in GetLicense (as the Marketplace guide tells sellers
// to check expiry), ListLicenses and its Status filter, and
// ListReceivedLicenses; a renewal (a new version with a later end) makes it
// AVAILABLE again.
func testLicenseStatusFollowsValidity(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	start := e.now()
	var in *licensemanager.CreateLicenseInput
	seller, buyer := e.party("seller", false), e.party("buyer", false)
	sku := newSKU()
	in = e.licenseInput(sku, buyer.ID, counted("Users", 5, false))
	in.Validity.Begin = aws.String(start.Add(time.Hour).Format(isoFormat))
	in.Validity.End = aws.String(start.Add(25 * time.Hour).Format(isoFormat))
	created, err := seller.LM.CreateLicense(e.ctx, in)
	if err != nil {
		t.Fatalf("CreateLicense: %v", err)
	}
	arn := aws.ToString(created.LicenseArn)
	if created.Status != types.LicenseStatusPendingAvailable {
		t.Errorf("CreateLicense status %s, want PENDING_AVAILABLE", created.Status)
	}
	e.grantActive(seller, buyer, arn)

	status := func(step string, want types.LicenseStatus) {
		t.Helper()
		for who, p := range map[string]party{"issuer": seller, "grantee": buyer} {
			got, err := p.LM.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(arn)})
			if err != nil {
				t.Fatalf("%s: GetLicense as the %s: %v", step, who, err)
			}
			if got.License.Status != want {
				t.Errorf("%s: GetLicense as the %s: %s, want %s", step, who, got.License.Status, want)
			}
		}
		for _, s := range []types.LicenseStatus{types.LicenseStatusAvailable, types.LicenseStatusPendingAvailable, types.LicenseStatusExpired} {
			list, err := seller.LM.ListLicenses(e.ctx, &licensemanager.ListLicensesInput{
				Filters: []types.Filter{{Name: aws.String("Status"), Values: []string{string(s)}}}})
			if err != nil {
				t.Fatalf("%s: ListLicenses: %v", step, err)
			}
			if found := len(list.Licenses) == 1 && list.Licenses[0].Status == want; found != (s == want) {
				t.Errorf("%s: ListLicenses with Status %s = %d licenses (%v)", step, s, len(list.Licenses), list.Licenses)
			}
		}
		received, err := buyer.LM.ListReceivedLicenses(e.ctx, &licensemanager.ListReceivedLicensesInput{})
		if err != nil || len(received.Licenses) != 1 || received.Licenses[0].Status != want {
			t.Errorf("%s: ListReceivedLicenses = %v, %+v; want one %s", step, err, received, want)
		}
	}
	status("before its validity", types.LicenseStatusPendingAvailable)
	_, err = e.checkout(buyer, sku, seller.selfFingerprint(), types.CheckoutTypeProvisional, want("Users", 1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)

	e.advance(time.Hour)
	status("at the begin of its validity", types.LicenseStatusAvailable)
	e.mustCheckout(buyer, sku, seller.selfFingerprint(), types.CheckoutTypeProvisional, want("Users", 1))

	e.advance(24 * time.Hour)
	status("at the end of its validity", types.LicenseStatusExpired)
	_, err = e.checkout(buyer, sku, seller.selfFingerprint(), types.CheckoutTypeProvisional, want("Users", 1))
	refused := expectErr[*types.NoEntitlementsAllowedException](t, err)
	if !strings.Contains(aws.ToString(refused.Message), "EXPIRED") {
		t.Errorf("checkout of an expired license: %q does not say EXPIRED", aws.ToString(refused.Message))
	}
	v1, err := seller.LM.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(arn), Version: aws.String("1")})
	if err != nil || v1.License.Status != types.LicenseStatusExpired {
		t.Errorf("GetLicense version 1 = %v, %+v; want EXPIRED", err, v1)
	}

	// The renewal: a new version whose validity ends a year later.
	renewal := versionInput(arn, in, counted("Users", 5, false))
	renewal.Validity = &types.DatetimeRange{Begin: in.Validity.Begin, End: aws.String(e.now().AddDate(1, 0, 0).Format(isoFormat))}
	renewed, err := seller.LM.CreateLicenseVersion(e.ctx, renewal)
	if err != nil {
		t.Fatalf("CreateLicenseVersion: %v", err)
	}
	if renewed.Status != types.LicenseStatusAvailable {
		t.Errorf("CreateLicenseVersion status %s, want AVAILABLE", renewed.Status)
	}
	status("renewed", types.LicenseStatusAvailable)
	e.mustCheckout(buyer, sku, seller.selfFingerprint(), types.CheckoutTypeProvisional, want("Users", 1))
}
