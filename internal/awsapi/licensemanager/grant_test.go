package licensemanager_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var _ = sdk("GrantLifecycle", testGrantLifecycle)

// testGrantLifecycle walks a grant from creation through acceptance,
// activation, new versions and deletion, checking GetGrant (current and
// past versions) on the way.
func testGrantLifecycle(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	seller, buyer := e.party("seller", false), e.party("buyer", false)
	sku := newSKU()
	licenseArn := e.createLicense(seller, e.licenseInput(sku, buyer.ID, counted("Users", 5, false)))
	ops := []types.AllowedOperation{types.AllowedOperationCheckoutLicense, types.AllowedOperationCheckInLicense}
	grantArn := e.createGrant(seller, buyer, licenseArn, ops...)

	wantGrant := types.Grant{
		GrantArn: aws.String(grantArn), GrantName: aws.String("grant to " + buyer.ID), ParentArn: aws.String(licenseArn),
		LicenseArn: aws.String(licenseArn), GranteePrincipalArn: aws.String(buyer.principal()), HomeRegion: aws.String(region),
		GrantStatus: types.GrantStatusPendingAccept, Version: aws.String("1"), GrantedOperations: ops,
	}
	getGrant := func(p party, version string) *types.Grant {
		t.Helper()
		in := &licensemanager.GetGrantInput{GrantArn: aws.String(grantArn)}
		if version != "" {
			in.Version = aws.String(version)
		}
		out, err := p.LM.GetGrant(e.ctx, in)
		if err != nil {
			t.Fatalf("GetGrant version %q as %s: %v", version, p.ID, err)
		}
		return out.Grant
	}
	check := func(step string, p party, version string, want types.Grant) {
		t.Helper()
		if diff := cmp.Diff(&want, getGrant(p, version), ignoreUnexported); diff != "" {
			t.Errorf("%s: GetGrant version %q (-want +got):\n%s", step, version, diff)
		}
	}
	check("created", seller, "", wantGrant)
	check("created", buyer, "", wantGrant)

	// A grant is accepted before it is activated; acceptance happens once.
	_, err := e.setGrantStatus(buyer, grantArn, types.GrantStatusActive, nil)
	expectErr[*types.ValidationException](t, err)
	_, err = e.checkout(buyer, sku, seller.selfFingerprint(), types.CheckoutTypeProvisional, want("Users", 1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)
	_, err = seller.LM.AcceptGrant(e.ctx, &licensemanager.AcceptGrantInput{GrantArn: aws.String(grantArn)})
	expectErr[*types.InvalidParameterValueException](t, err) // only the grantee accepts
	e.accept(buyer, grantArn)
	_, err = buyer.LM.AcceptGrant(e.ctx, &licensemanager.AcceptGrantInput{GrantArn: aws.String(grantArn)})
	expectErr[*types.ValidationException](t, err)
	accepted := wantGrant
	accepted.GrantStatus, accepted.Version = types.GrantStatusDisabled, aws.String("2")
	check("accepted", buyer, "", accepted)

	// The grantor renames the grant and adds an operation.
	moreOps := append(append([]types.AllowedOperation(nil), ops...), types.AllowedOperationExtendConsumptionLicense)
	out, err := seller.LM.CreateGrantVersion(e.ctx, &licensemanager.CreateGrantVersionInput{GrantArn: aws.String(grantArn),
		GrantName: aws.String("renamed"), AllowedOperations: moreOps, SourceVersion: aws.String("2"), ClientToken: newToken()})
	if err != nil {
		t.Fatalf("CreateGrantVersion by the grantor: %v", err)
	}
	if diff := cmp.Diff(&licensemanager.CreateGrantVersionOutput{GrantArn: aws.String(grantArn), Status: types.GrantStatusDisabled, Version: aws.String("3")},
		out, ignoreUnexported, cmpopts.IgnoreFields(licensemanager.CreateGrantVersionOutput{}, "ResultMetadata")); diff != "" {
		t.Errorf("CreateGrantVersion (-want +got):\n%s", diff)
	}
	renamed := accepted
	renamed.GrantName, renamed.GrantedOperations, renamed.Version = aws.String("renamed"), moreOps, aws.String("3")
	check("renamed", seller, "", renamed)

	// The grantee only activates and disables.
	_, err = buyer.LM.CreateGrantVersion(e.ctx, &licensemanager.CreateGrantVersionInput{GrantArn: aws.String(grantArn),
		AllowedOperations: allOps, ClientToken: newToken()})
	expectErr[*types.AccessDeniedException](t, err)
	_, err = e.setGrantStatus(buyer, grantArn, types.GrantStatusPendingAccept, nil)
	expectErr[*types.ValidationException](t, err)
	_, err = buyer.LM.CreateGrantVersion(e.ctx, &licensemanager.CreateGrantVersionInput{GrantArn: aws.String(grantArn),
		Status: types.GrantStatusActive, SourceVersion: aws.String("2"), ClientToken: newToken()})
	expectErr[*types.ValidationException](t, err) // stale SourceVersion
	e.activate(buyer, grantArn)
	active := renamed
	active.GrantStatus, active.Version = types.GrantStatusActive, aws.String("4")
	check("activated", buyer, "", active)
	e.mustCheckout(buyer, sku, seller.selfFingerprint(), types.CheckoutTypeProvisional, want("Users", 1))

	// Disabling stops checkouts; re-activating resumes them.
	if _, err := e.setGrantStatus(buyer, grantArn, types.GrantStatusDisabled, nil); err != nil {
		t.Fatalf("disabling: %v", err)
	}
	_, err = e.checkout(buyer, sku, seller.selfFingerprint(), types.CheckoutTypeProvisional, want("Users", 1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)
	e.activate(buyer, grantArn)
	e.mustCheckout(buyer, sku, seller.selfFingerprint(), types.CheckoutTypeProvisional, want("Users", 1))

	// Past versions stay readable.
	check("version 1", buyer, "1", wantGrant)
	check("version 3", seller, "3", renamed)
	_, err = seller.LM.GetGrant(e.ctx, &licensemanager.GetGrantInput{GrantArn: aws.String(grantArn), Version: aws.String("99")})
	expectErr[*types.InvalidParameterValueException](t, err)

	// DeleteGrant needs the current version and the grantor.
	del := func(p party, version string) (*licensemanager.DeleteGrantOutput, error) {
		return p.LM.DeleteGrant(e.ctx, &licensemanager.DeleteGrantInput{GrantArn: aws.String(grantArn), Version: aws.String(version),
			StatusReason: aws.String("contract ended")})
	}
	_, err = del(seller, "1")
	expectErr[*types.ValidationException](t, err)
	_, err = del(buyer, "6")
	expectErr[*types.InvalidParameterValueException](t, err)
	deleted, err := del(seller, "6")
	if err != nil {
		t.Fatalf("DeleteGrant: %v", err)
	}
	if deleted.Status != types.GrantStatusDeleted || aws.ToString(deleted.Version) != "7" {
		t.Errorf("DeleteGrant = %s version %s, want DELETED version 7", deleted.Status, aws.ToString(deleted.Version))
	}
	gone := getGrant(buyer, "")
	if gone.GrantStatus != types.GrantStatusDeleted || aws.ToString(gone.StatusReason) != "contract ended" {
		t.Errorf("deleted grant: status %s reason %q", gone.GrantStatus, aws.ToString(gone.StatusReason))
	}
	_, err = e.checkout(buyer, sku, seller.selfFingerprint(), types.CheckoutTypeProvisional, want("Users", 1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)
	_, err = e.setGrantStatus(buyer, grantArn, types.GrantStatusActive, nil)
	expectErr[*types.ValidationException](t, err)
	_, err = del(seller, "7")
	expectErr[*types.ValidationException](t, err)
	received, err := buyer.LM.ListReceivedLicenses(e.ctx, &licensemanager.ListReceivedLicensesInput{})
	if err != nil {
		t.Fatalf("ListReceivedLicenses: %v", err)
	}
	if len(received.Licenses) != 0 {
		t.Errorf("ListReceivedLicenses after the only grant was deleted: %d licenses", len(received.Licenses))
	}
}

var _ = sdk("RejectGrant", testRejectGrant)

// testRejectGrant: a rejected grant cannot be accepted or activated, and
// does not make the license visible.
func testRejectGrant(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	seller, buyer := e.party("seller", false), e.party("buyer", false)
	sku := newSKU()
	licenseArn := e.createLicense(seller, e.licenseInput(sku, buyer.ID, counted("Users", 5, false)))
	grantArn := e.createGrant(seller, buyer, licenseArn)

	_, err := seller.LM.RejectGrant(e.ctx, &licensemanager.RejectGrantInput{GrantArn: aws.String(grantArn)})
	expectErr[*types.InvalidParameterValueException](t, err) // only the grantee rejects
	out, err := buyer.LM.RejectGrant(e.ctx, &licensemanager.RejectGrantInput{GrantArn: aws.String(grantArn)})
	if err != nil {
		t.Fatalf("RejectGrant: %v", err)
	}
	if out.Status != types.GrantStatusRejected || aws.ToString(out.Version) != "2" || aws.ToString(out.GrantArn) != grantArn {
		t.Errorf("RejectGrant = %s %s version %s", aws.ToString(out.GrantArn), out.Status, aws.ToString(out.Version))
	}
	_, err = buyer.LM.RejectGrant(e.ctx, &licensemanager.RejectGrantInput{GrantArn: aws.String(grantArn)})
	expectErr[*types.ValidationException](t, err)
	_, err = buyer.LM.AcceptGrant(e.ctx, &licensemanager.AcceptGrantInput{GrantArn: aws.String(grantArn)})
	expectErr[*types.ValidationException](t, err)
	_, err = e.setGrantStatus(buyer, grantArn, types.GrantStatusActive, nil)
	expectErr[*types.ValidationException](t, err)
	_, err = e.checkout(buyer, sku, seller.selfFingerprint(), types.CheckoutTypeProvisional, want("Users", 1))
	expectErr[*types.NoEntitlementsAllowedException](t, err)
	_, err = buyer.LM.GetLicense(e.ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(licenseArn)})
	expectErr[*types.InvalidParameterValueException](t, err)
	received, err := buyer.LM.ListReceivedLicenses(e.ctx, &licensemanager.ListReceivedLicensesInput{})
	if err != nil {
		t.Fatalf("ListReceivedLicenses: %v", err)
	}
	if len(received.Licenses) != 0 {
		t.Errorf("ListReceivedLicenses shows %d licenses after the grant was rejected", len(received.Licenses))
	}
	grants, err := buyer.LM.ListReceivedGrants(e.ctx, &licensemanager.ListReceivedGrantsInput{})
	if err != nil {
		t.Fatalf("ListReceivedGrants: %v", err)
	}
	if len(grants.Grants) != 1 || grants.Grants[0].GrantStatus != types.GrantStatusRejected {
		t.Errorf("ListReceivedGrants after rejecting = %+v, want the one REJECTED grant", grants.Grants)
	}
}

var _ = sdk("ListGrants", testListGrants)

// testListGrants covers the filters and pagination of
// ListDistributedGrants and ListReceivedGrants.
func testListGrants(t *testing.T, be backend) {
	t.Parallel()
	e := newEnv(t, be)
	seller, other := e.party("seller", false), e.party("other-seller", false)
	b1, b2 := e.party("buyer1", false), e.party("buyer2", false)
	skuA, skuB := newSKU(), newSKU()
	lA := e.createLicense(seller, e.licenseInput(skuA, b1.ID, counted("Users", 5, false)))
	lB := e.createLicense(seller, e.licenseInput(skuB, b1.ID, counted("Users", 5, false)))
	lOther := e.createLicense(other, e.licenseInput(skuA, b1.ID, counted("Users", 5, false)))
	gA1 := e.createGrant(seller, b1, lA)
	gA2 := e.createGrant(seller, b2, lA)
	gB1 := e.createGrant(seller, b1, lB)
	gOther := e.createGrant(other, b1, lOther)
	e.accept(b1, gA1)

	f := func(name string, values ...string) []types.Filter {
		return []types.Filter{{Name: aws.String(name), Values: values}}
	}
	tests := []struct {
		name    string
		lister  party
		dist    bool // ListDistributedGrants rather than ListReceivedGrants
		filters []types.Filter
		arns    []string
		want    []string
		wantErr string
	}{
		{"distributed: all", seller, true, nil, nil, []string{gA1, gA2, gB1}, ""},
		{"distributed: LicenseArn", seller, true, f("LicenseArn", lA), nil, []string{gA1, gA2}, ""},
		{"distributed: GrantStatus", seller, true, f("GrantStatus", "PENDING_ACCEPT"), nil, []string{gA2, gB1}, ""},
		{"distributed: GranteePrincipalARN", seller, true, f("GranteePrincipalARN", b1.principal()), nil, []string{gA1, gB1}, ""},
		{"distributed: ProductSKU", seller, true, f("ProductSKU", skuB), nil, []string{gB1}, ""},
		{"distributed: LicenseIssuerName", seller, true, f("LicenseIssuerName", "Self"), nil, []string{gA1, gA2, gB1}, ""},
		{"distributed: GrantArns", seller, true, nil, []string{gA2, gOther}, []string{gA2}, ""},
		{"distributed: unsupported filter", seller, true, f("GranterAccountId", seller.ID), nil, nil, "InvalidParameterValueException"},
		{"received: all", b1, false, nil, nil, []string{gA1, gB1, gOther}, ""},
		{"received: GrantStatus", b1, false, f("GrantStatus", "DISABLED"), nil, []string{gA1}, ""},
		{"received: GranterAccountId", b1, false, f("GranterAccountId", other.ID), nil, []string{gOther}, ""},
		{"received: ProductSKU", b1, false, f("ProductSKU", skuA), nil, []string{gA1, gOther}, ""},
		{"received: LicenseArn", b1, false, f("LicenseArn", lB), nil, []string{gB1}, ""},
		{"received: LicenseIssuerName", b1, false, f("LicenseIssuerName", "Self"), nil, []string{gA1, gB1, gOther}, ""},
		{"received by b2", b2, false, nil, nil, []string{gA2}, ""},
		{"received: unsupported filter", b1, false, f("GranteePrincipalARN", b1.principal()), nil, nil, "InvalidParameterValueException"},
		{"received: malformed GrantArns", b1, false, nil, []string{"not-an-arn"}, nil, "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var grants []types.Grant
			var err error
			if tt.dist {
				var out *licensemanager.ListDistributedGrantsOutput
				out, err = tt.lister.LM.ListDistributedGrants(e.ctx, &licensemanager.ListDistributedGrantsInput{Filters: tt.filters, GrantArns: tt.arns})
				if err == nil {
					grants = out.Grants
				}
			} else {
				var out *licensemanager.ListReceivedGrantsOutput
				out, err = tt.lister.LM.ListReceivedGrants(e.ctx, &licensemanager.ListReceivedGrantsInput{Filters: tt.filters, GrantArns: tt.arns})
				if err == nil {
					grants = out.Grants
				}
			}
			if got := errorCode(t, err); got != tt.wantErr {
				t.Fatalf("error %q (%v), want %q", got, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(sorted(tt.want), grantArns(grants), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("grants (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("pagination", func(t *testing.T) {
		var got []string
		var next *string
		for pages := 1; ; pages++ {
			out, err := seller.LM.ListDistributedGrants(e.ctx, &licensemanager.ListDistributedGrantsInput{MaxResults: aws.Int32(1), NextToken: next})
			if err != nil {
				t.Fatalf("ListDistributedGrants: %v", err)
			}
			if len(out.Grants) != 1 {
				t.Fatalf("page %d has %d grants, want 1", pages, len(out.Grants))
			}
			got = append(got, grantArns(out.Grants)...)
			if next = out.NextToken; next == nil {
				break
			}
			if pages > 3 {
				t.Fatal("ListDistributedGrants does not end")
			}
		}
		if diff := cmp.Diff(sorted([]string{gA1, gA2, gB1}), got); diff != "" {
			t.Errorf("paged ListDistributedGrants (-want +got):\n%s", diff)
		}
	})
}

func grantArns(gs []types.Grant) []string {
	var out []string
	for _, g := range gs {
		out = append(out, aws.ToString(g.GrantArn))
	}
	return out
}
