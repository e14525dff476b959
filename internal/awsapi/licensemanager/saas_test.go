package licensemanager_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/google/go-cmp/cmp"
)

var _ = sdk("SaaSCheckoutByBeneficiary", testSaaSCheckoutByBeneficiary)

// testSaaSCheckoutByBeneficiary is the user guide's SaaS flow: an ISV
// creates, in its own account, a license for each customer, identified by
// an account or by any identifier (Beneficiary "user@domain.com"), and
// checks them out from its own account on the customer's behalf, naming
// the beneficiary, with no grant. Each customer's license is its own pool.
func testSaaSCheckoutByBeneficiary(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	isv, customerAccount, stranger := e.party("isv", false), e.party("customer", false), e.party("stranger", false)
	sku, fp := newSKU(), isv.selfFingerprint()
	ents := []types.Entitlement{counted("DataTransfer", 10, false), counted("Seats", 2, false)}
	ents[0].Unit = types.EntitlementUnitGigabytes
	licenses := map[string]string{}
	for _, who := range []string{"user@domain.com", "other@domain.com", customerAccount.ID} {
		licenses[who] = e.createLicense(isv, e.licenseInput(sku, who, ents...))
	}
	checkout := func(p party, beneficiary *string, typ types.CheckoutType, ents ...types.EntitlementData) (*licensemanager.CheckoutLicenseOutput, error) {
		return p.LM.CheckoutLicense(e.ctx, &licensemanager.CheckoutLicenseInput{
			ProductSKU: aws.String(sku), KeyFingerprint: aws.String(fp), CheckoutType: typ, Entitlements: ents,
			Beneficiary: beneficiary, ClientToken: newToken(),
		})
	}
	gigabytes := func(n int) types.EntitlementData {
		d := want("DataTransfer", n)
		d.Unit = types.EntitlementDataUnitGigabytes
		return d
	}

	// The guide's example: 10 GB drawn down for user@domain.com.
	out, err := checkout(isv, aws.String("user@domain.com"), types.CheckoutTypePerpetual, gigabytes(10))
	if err != nil {
		t.Fatalf("CheckoutLicense by beneficiary user@domain.com: %v", err)
	}
	if got := aws.ToString(out.LicenseArn); got != licenses["user@domain.com"] {
		t.Errorf("checked out %s, want user@domain.com's license %s", got, licenses["user@domain.com"])
	}
	// That customer's pool is drawn down; the others' are not.
	_, err = checkout(isv, aws.String("user@domain.com"), types.CheckoutTypePerpetual, gigabytes(1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)
	if _, err := checkout(isv, aws.String("other@domain.com"), types.CheckoutTypePerpetual, gigabytes(4)); err != nil {
		t.Fatalf("CheckoutLicense by beneficiary other@domain.com: %v", err)
	}
	// A beneficiary that is an account is named the same way.
	seat, err := checkout(isv, aws.String(customerAccount.ID), types.CheckoutTypeProvisional, want("Seats", 2))
	if err != nil {
		t.Fatalf("CheckoutLicense by beneficiary %s: %v", customerAccount.ID, err)
	}
	for who, wantUsage := range map[string]map[string]string{
		"user@domain.com":  {"DataTransfer": "10/10", "Seats": "0/2"},
		"other@domain.com": {"DataTransfer": "4/10", "Seats": "0/2"},
		customerAccount.ID: {"DataTransfer": "0/10", "Seats": "2/2"},
	} {
		if diff := cmp.Diff(wantUsage, e.usage(isv, licenses[who])); diff != "" {
			t.Errorf("usage of %s's license (-want +got):\n%s", who, diff)
		}
	}

	// The issuer extends and checks in what it checked out; a check-in
	// naming another beneficiary finds nothing.
	if _, err := isv.LM.ExtendLicenseConsumption(e.ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: seat.LicenseConsumptionToken}); err != nil {
		t.Errorf("ExtendLicenseConsumption of a checkout by beneficiary: %v", err)
	}
	_, err = isv.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: seat.LicenseConsumptionToken,
		Beneficiary: aws.String("user@domain.com")})
	expectErr[*types.ResourceNotFoundException](t, err)
	if _, err := isv.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: seat.LicenseConsumptionToken,
		Beneficiary: aws.String(customerAccount.ID)}); err != nil {
		t.Fatalf("CheckInLicense naming the beneficiary: %v", err)
	}
	if got := e.usage(isv, licenses[customerAccount.ID])["Seats"]; got != "0/2" {
		t.Errorf("Seats after check-in %s, want 0/2", got)
	}

	// Without a beneficiary the issuer holds no grant for its product; a
	// beneficiary it issued nothing to, or one only another account issued
	// to, finds nothing.
	_, err = checkout(isv, nil, types.CheckoutTypeProvisional, want("Seats", 1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)
	_, err = checkout(isv, aws.String("nobody@domain.com"), types.CheckoutTypeProvisional, want("Seats", 1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)
	_, err = checkout(stranger, aws.String("other@domain.com"), types.CheckoutTypeProvisional, want("Seats", 1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)
	// The customer account itself holds no grant, so it checks out nothing
	// of the ISV's license, named or not.
	_, err = checkout(customerAccount, aws.String(customerAccount.ID), types.CheckoutTypeProvisional, want("Seats", 1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)
}
