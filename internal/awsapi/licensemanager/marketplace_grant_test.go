package licensemanager_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/google/go-cmp/cmp"
)

var _ = sdk("MarketplaceGrantActiveAtOnce", testMarketplaceGrantActiveAtOnce)

// testMarketplaceGrantActiveAtOnce: as on AWS, where licenses the
// marketplace issues are accepted and activated for the buyer, a grant of a
// license issued as AWS/Marketplace is ACTIVE when created, so software
// written for AWS Marketplace checks out at once; a newer marketplace grant
// for the same product replaces the older one. A seller's own grants still
// wait for the grantee.
func testMarketplaceGrantActiveAtOnce(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	operator, buyer, seller := e.party("marketplace", true), e.party("buyer", false), e.party("seller", false)
	sku := newSKU()
	mpLicense := func() string {
		in := e.licenseInput(sku, buyer.ID, counted("ReadOnly", 5, false))
		in.Issuer = &types.Issuer{Name: aws.String("AWS/Marketplace")}
		return e.createLicense(operator, in)
	}
	first := mpLicense()
	out, err := operator.LM.CreateGrant(e.ctx, &licensemanager.CreateGrantInput{GrantName: aws.String("contract"), LicenseArn: aws.String(first),
		Principals: []string{buyer.principal()}, HomeRegion: aws.String(region), ClientToken: newToken(),
		AllowedOperations: []types.AllowedOperation{types.AllowedOperationCheckoutLicense, types.AllowedOperationCheckInLicense}})
	if err != nil {
		t.Fatalf("CreateGrant: %v", err)
	}
	if out.Status != types.GrantStatusActive {
		t.Fatalf("CreateGrant of a marketplace license: %s, want ACTIVE", out.Status)
	}
	g1 := aws.ToString(out.GrantArn)
	// The documented first checkout works with no acceptance.
	if got := e.mustCheckout(buyer, sku, marketplaceFingerprint, types.CheckoutTypeProvisional, want("ReadOnly", 1)); aws.ToString(got.LicenseArn) != first {
		t.Errorf("checked out %s, want %s", aws.ToString(got.LicenseArn), first)
	}
	_, err = buyer.LM.AcceptGrant(e.ctx, &licensemanager.AcceptGrantInput{GrantArn: aws.String(g1)})
	v := expectErr[*types.ValidationException](t, err)
	if !strings.Contains(aws.ToString(v.Message), "active at once") {
		t.Errorf("AcceptGrant of an active marketplace grant: %q does not say why", aws.ToString(v.Message))
	}
	got, err := buyer.LM.GetGrant(e.ctx, &licensemanager.GetGrantInput{GrantArn: aws.String(g1)})
	if err != nil {
		t.Fatalf("GetGrant: %v", err)
	}
	if got.Grant.GrantStatus != types.GrantStatusActive || got.Grant.Options == nil ||
		got.Grant.Options.ActivationOverrideBehavior != types.ActivationOverrideBehaviorAllGrantsPermittedByIssuer {
		t.Errorf("marketplace grant %s with options %+v", got.Grant.GrantStatus, got.Grant.Options)
	}

	// A renewal issued as a new marketplace license replaces the first.
	second := mpLicense()
	e.createMarketplaceGrant(operator, buyer, second)
	if got := e.mustCheckout(buyer, sku, marketplaceFingerprint, types.CheckoutTypeProvisional, want("ReadOnly", 1)); aws.ToString(got.LicenseArn) != second {
		t.Errorf("checked out %s after the renewal, want %s", aws.ToString(got.LicenseArn), second)
	}
	received, err := buyer.LM.ListReceivedLicenses(e.ctx, &licensemanager.ListReceivedLicensesInput{})
	if err != nil {
		t.Fatalf("ListReceivedLicenses: %v", err)
	}
	statuses := map[string]types.ReceivedStatus{}
	for _, l := range received.Licenses {
		statuses[aws.ToString(l.LicenseArn)] = l.ReceivedMetadata.ReceivedStatus
	}
	if diff := cmp.Diff(map[string]types.ReceivedStatus{first: types.ReceivedStatusDisabled, second: types.ReceivedStatusActive}, statuses); diff != "" {
		t.Errorf("ListReceivedLicenses (-want +got):\n%s", diff)
	}

	// A seller's own license still waits for the buyer.
	own := e.createLicense(seller, e.licenseInput(newSKU(), buyer.ID, counted("ReadOnly", 5, false)))
	e.createGrant(seller, buyer, own)
}
