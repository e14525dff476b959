package licensemanager_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/google/go-cmp/cmp"
)

var _ = sdk("Redistribution", testRedistribution)

// testRedistribution: a grantee whose grant allows CreateGrant grants the
// license on, within what its own grant allows; the grant it gives names
// its grant as parent, and works while its grant is active.
func testRedistribution(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	seller, reseller, customer := e.party("seller", false), e.party("reseller", false), e.party("customer", false)
	x := entitled{seller: seller, buyer: reseller, sku: newSKU(), fp: seller.selfFingerprint()}
	x.licenseArn = e.createLicense(seller, e.licenseInput(x.sku, reseller.ID, counted("Seats", 5, false)))
	x.grantArn = e.grantActive(seller, reseller, x.licenseArn, append(slices.Clone(allOps), types.AllowedOperationCreateGrant)...)
	distribute := func(from, to party, ops ...types.AllowedOperation) (*licensemanager.CreateGrantOutput, error) {
		return from.LM.CreateGrant(e.ctx, &licensemanager.CreateGrantInput{GrantName: aws.String("redistributed"),
			LicenseArn: aws.String(x.licenseArn), Principals: []string{to.principal()}, HomeRegion: aws.String(region),
			AllowedOperations: ops, ClientToken: newToken()})
	}
	out, err := distribute(reseller, customer, types.AllowedOperationCheckoutLicense, types.AllowedOperationCheckInLicense)
	if err != nil {
		t.Fatalf("CreateGrant by a grantee allowed CreateGrant: %v", err)
	}
	if out.Status != types.GrantStatusPendingAccept {
		t.Errorf("redistributed grant %s, want PENDING_ACCEPT", out.Status)
	}
	child := aws.ToString(out.GrantArn)
	got, err := customer.LM.GetGrant(e.ctx, &licensemanager.GetGrantInput{GrantArn: aws.String(child)})
	if err != nil {
		t.Fatalf("GetGrant: %v", err)
	}
	if aws.ToString(got.Grant.ParentArn) != x.grantArn || aws.ToString(got.Grant.LicenseArn) != x.licenseArn {
		t.Errorf("redistributed grant's parent %s and license %s, want %s and %s", aws.ToString(got.Grant.ParentArn),
			aws.ToString(got.Grant.LicenseArn), x.grantArn, x.licenseArn)
	}
	e.accept(customer, child)
	e.activate(customer, child)
	co := e.mustCheckout(customer, x.sku, x.fp, types.CheckoutTypeProvisional, want("Seats", 2))
	if diff := cmp.Diff(map[string]string{"Seats": "2/5"}, e.usage(x.seller, x.licenseArn)); diff != "" {
		t.Errorf("usage of the license after the customer's checkout (-want +got):\n%s", diff)
	}
	if _, err := customer.LM.CheckInLicense(e.ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: co.LicenseConsumptionToken}); err != nil {
		t.Errorf("CheckInLicense through the redistributed grant: %v", err)
	}
	distributed, err := reseller.LM.ListDistributedGrants(e.ctx, &licensemanager.ListDistributedGrantsInput{})
	if err != nil || len(distributed.Grants) != 1 || aws.ToString(distributed.Grants[0].GrantArn) != child {
		t.Errorf("the reseller's ListDistributedGrants = %v, %+v", err, distributed)
	}

	// The reseller's grant withdrawn (disabled), what it distributed stops.
	if _, err := e.setGrantStatus(reseller, x.grantArn, types.GrantStatusDisabled, nil); err != nil {
		t.Fatalf("disabling the reseller's grant: %v", err)
	}
	_, err = e.checkout(customer, x.sku, x.fp, types.CheckoutTypeProvisional, want("Seats", 1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)
	_, err = distribute(reseller, e.party("another", false), types.AllowedOperationCheckoutLicense)
	expectErr[*types.InvalidParameterValueException](t, err)
	e.activate(reseller, x.grantArn)
	e.mustCheckout(customer, x.sku, x.fp, types.CheckoutTypeProvisional, want("Seats", 1))

	// What cannot be distributed.
	_, err = distribute(reseller, customer, types.AllowedOperationCheckoutLicense, types.AllowedOperationCreateGrant)
	if err != nil {
		t.Fatalf("distributing CreateGrant itself, which the reseller's grant allows: %v", err)
	}
	_, err = distribute(customer, e.party("third", false), types.AllowedOperationCheckoutLicense)
	expectErr[*types.InvalidParameterValueException](t, err) // the customer's active grant does not allow CreateGrant
	_, err = distribute(reseller, reseller, types.AllowedOperationCheckoutLicense)
	expectErr[*types.InvalidParameterValueException](t, err)
}

var _ = sdk("WiderThanParentRefused", testWiderThanParentRefused)

// testWiderThanParentRefused: a grant distributed from another allows no
// operation its parent does not.
func testWiderThanParentRefused(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	seller, reseller, customer := e.party("seller", false), e.party("reseller", false), e.party("customer", false)
	sku := newSKU()
	arn := e.createLicense(seller, e.licenseInput(sku, reseller.ID, counted("Seats", 5, false)))
	e.grantActive(seller, reseller, arn, types.AllowedOperationCheckoutLicense, types.AllowedOperationCreateGrant)
	_, err := reseller.LM.CreateGrant(e.ctx, &licensemanager.CreateGrantInput{GrantName: aws.String("wider"),
		LicenseArn: aws.String(arn), Principals: []string{customer.principal()}, HomeRegion: aws.String(region),
		AllowedOperations: []types.AllowedOperation{types.AllowedOperationCheckoutLicense, types.AllowedOperationCheckoutBorrowLicense}, ClientToken: newToken()})
	refused := expectErr[*types.InvalidParameterValueException](t, err)
	if !strings.Contains(aws.ToString(refused.Message), "does not allow CheckoutBorrowLicense") {
		t.Errorf("refusal %q does not name the operation", aws.ToString(refused.Message))
	}
}

var _ = sdk("Organizations", testOrganizations)

// testOrganizations: Tollgate has no AWS Organizations; what needs them is
// refused with UnsupportedOperationException saying what to do instead,
// not answered as an unknown operation; the service settings say nothing
// is integrated.
func testOrganizations(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("Seats", 5, false))
	unsupported := func(name string, err error) {
		t.Helper()
		if got := errorCode(t, err); got != "UnsupportedOperationException" {
			t.Errorf("%s: %q (%v), want UnsupportedOperationException", name, got, err)
		}
	}
	_, err := x.seller.LM.CreateGrant(e.ctx, &licensemanager.CreateGrantInput{GrantName: aws.String("org"),
		LicenseArn: aws.String(x.licenseArn), Principals: []string{"arn:aws:organizations::" + x.seller.ID + ":organization/o-exampleorgid"},
		HomeRegion: aws.String(region), AllowedOperations: []types.AllowedOperation{types.AllowedOperationCheckoutLicense}, ClientToken: newToken()})
	unsupported("CreateGrant to an organization", err)
	_, err = x.buyer.LM.ListReceivedLicensesForOrganization(e.ctx, &licensemanager.ListReceivedLicensesForOrganizationInput{})
	unsupported("ListReceivedLicensesForOrganization", err)
	_, err = x.buyer.LM.ListReceivedGrantsForOrganization(e.ctx, &licensemanager.ListReceivedGrantsForOrganizationInput{LicenseArn: aws.String(x.licenseArn)})
	unsupported("ListReceivedGrantsForOrganization", err)
	_, err = x.seller.LM.UpdateServiceSettings(e.ctx, &licensemanager.UpdateServiceSettingsInput{
		OrganizationConfiguration: &types.OrganizationConfiguration{EnableIntegration: true}})
	unsupported("UpdateServiceSettings enabling Organizations", err)
	_, err = x.seller.LM.UpdateServiceSettings(e.ctx, &licensemanager.UpdateServiceSettingsInput{S3BucketArn: aws.String("arn:aws:s3:::reports")})
	unsupported("UpdateServiceSettings with an S3 bucket", err)
	if _, err := x.seller.LM.UpdateServiceSettings(e.ctx, &licensemanager.UpdateServiceSettingsInput{
		OrganizationConfiguration: &types.OrganizationConfiguration{EnableIntegration: false}, EnableCrossAccountsDiscovery: aws.Bool(false)}); err != nil {
		t.Errorf("UpdateServiceSettings to what Tollgate has: %v", err)
	}
	settings, err := x.seller.LM.GetServiceSettings(e.ctx, &licensemanager.GetServiceSettingsInput{})
	if err != nil {
		t.Fatalf("GetServiceSettings: %v", err)
	}
	if settings.OrganizationConfiguration == nil || settings.OrganizationConfiguration.EnableIntegration ||
		aws.ToBool(settings.EnableCrossAccountsDiscovery) || aws.ToString(settings.S3BucketArn) != "" {
		t.Errorf("GetServiceSettings = %+v, want nothing integrated", settings)
	}
}

var _ = sdk("Tags", testTags)

// testTags: the issuer of a license and the grantor of a grant tag them;
// tags are kept, listed by key, replaced by key and removed; nobody else
// reads or changes them; AWS's usual tagging limits hold.
func testTags(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	x := e.entitle(nil, counted("Seats", 5, false))
	tag := func(p party, arn string, tags ...types.Tag) error {
		_, err := p.LM.TagResource(e.ctx, &licensemanager.TagResourceInput{ResourceArn: aws.String(arn), Tags: tags})
		return err
	}
	kv := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	list := func(p party, arn string) map[string]string {
		t.Helper()
		out, err := p.LM.ListTagsForResource(e.ctx, &licensemanager.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("ListTagsForResource: %v", err)
		}
		m := map[string]string{}
		for _, tg := range out.Tags {
			m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		return m
	}
	for _, arn := range []string{x.licenseArn, x.grantArn} {
		if err := tag(x.seller, arn, kv("cost-center", "42"), kv("team", "sales")); err != nil {
			t.Fatalf("TagResource %s: %v", arn, err)
		}
	}
	if err := tag(x.seller, x.licenseArn, kv("team", "marketing")); err != nil {
		t.Fatalf("TagResource replacing a value: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"cost-center": "42", "team": "marketing"}, list(x.seller, x.licenseArn)); diff != "" {
		t.Errorf("license tags (-want +got):\n%s", diff)
	}
	if _, err := x.seller.LM.UntagResource(e.ctx, &licensemanager.UntagResourceInput{ResourceArn: aws.String(x.grantArn),
		TagKeys: []string{"team", "absent"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"cost-center": "42"}, list(x.seller, x.grantArn)); diff != "" {
		t.Errorf("grant tags after untagging (-want +got):\n%s", diff)
	}
	// The grantee neither reads nor changes them.
	err := tag(x.buyer, x.licenseArn, kv("mine", "yes"))
	expectErr[*types.InvalidParameterValueException](t, err)
	_, err = x.buyer.LM.ListTagsForResource(e.ctx, &licensemanager.ListTagsForResourceInput{ResourceArn: aws.String(x.licenseArn)})
	expectErr[*types.InvalidParameterValueException](t, err)

	many := make([]types.Tag, 49)
	for i := range many {
		many[i] = kv("k"+strings.Repeat("x", i), "v")
	}
	for name, tc := range map[string][]types.Tag{
		"a key beginning with aws:": {kv("aws:owner", "v")},
		"a key of 129 characters":   {kv(strings.Repeat("k", 129), "v")},
		"a value of 257 characters": {kv("k", strings.Repeat("v", 257))},
		"a key given twice":         {kv("k", "1"), kv("k", "2")},
		"a 51st tag":                many, // beside the license's two
	} {
		if err := tag(x.seller, x.licenseArn, tc...); errorCode(t, err) != "InvalidParameterValueException" {
			t.Errorf("TagResource with %s: %v, want InvalidParameterValueException", name, err)
		}
	}
	if n := len(list(x.seller, x.licenseArn)); n != 2 {
		t.Errorf("the refused requests left %d tags, want 2", n)
	}
	if err := tag(x.seller, x.licenseArn, many[:48]...); err != nil {
		t.Errorf("TagResource up to 50 tags: %v", err)
	}
}
