package licensemanager

import (
	"testing"

	"github.com/tollgate/tollgate/internal/license"
)

// TestGrantRequestsIn: the grant requests reach the domain as they were
// sent, enumerations typed, absent options absent.
func TestGrantRequestsIn(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  func() (any, error)
		want any
	}{
		{"CreateGrant", func() (any, error) {
			return createGrantIn(createGrantRequest{ClientToken: "c", GrantName: "g", LicenseArn: "l", Principals: []string{"p"}, HomeRegion: "r",
				AllowedOperations: []string{"CheckoutLicense", "Unknown"}})
		}, license.CreateGrantInput{ClientToken: "c", GrantName: "g", LicenseArn: "l", Principals: []string{"p"}, HomeRegion: "r",
			AllowedOperations: []license.Operation{license.OpCheckoutLicense, "Unknown"}}},
		{"CreateGrantVersion without options", func() (any, error) {
			return createGrantVersionIn(createGrantVersionRequest{GrantArn: "g", Status: "ACTIVE"})
		}, license.CreateGrantVersionInput{GrantArn: "g", Status: license.GrantActive}},
		{"CreateGrantVersion with options", func() (any, error) {
			return createGrantVersionIn(createGrantVersionRequest{ClientToken: "c", GrantArn: "g", GrantName: "n", AllowedOperations: []string{"CreateToken"},
				Status: "DISABLED", StatusReason: "why", SourceVersion: "2", Options: &optionsShape{ActivationOverrideBehavior: "ALL_GRANTS_PERMITTED_BY_ISSUER"}})
		}, license.CreateGrantVersionInput{ClientToken: "c", GrantArn: "g", GrantName: "n", AllowedOperations: []license.Operation{license.OpCreateToken},
			Status: license.GrantDisabled, StatusReason: "why", SourceVersion: "2", Options: &license.Options{ActivationOverrideBehavior: license.ActivationAllGrants}}},
		{"DeleteGrant", func() (any, error) {
			return deleteGrantIn(deleteGrantRequest{GrantArn: "g", StatusReason: "r", Version: "1"})
		},
			license.DeleteGrantInput{GrantArn: "g", StatusReason: "r", Version: "1"}},
		{"ListReceivedGrants", func() (any, error) {
			return listReceivedGrantsIn(listGrantsRequest{GrantArns: []string{"g"},
				listRequest: listRequest{Filters: []filterShape{{Name: "ProductSKU", Values: []string{"s"}}}, NextToken: "n", MaxResults: ptr(5)}})
		}, license.ListReceivedGrantsInput{GrantArns: []string{"g"},
			ListInput: license.ListInput{Filters: []license.Filter{{Name: "ProductSKU", Values: []string{"s"}}}, NextToken: "n", MaxResults: ptr(5)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.got()
			wantValidation(t, err)
			diff(t, "input", tc.want, got)
		})
	}
}

// TestGrantsOut: grants as the wire writes them, byte for byte.
func TestGrantsOut(t *testing.T) {
	g := license.Grant{GrantArn: "g", GrantName: "n", ParentArn: "l", LicenseArn: "l", GranteePrincipalArn: "p", HomeRegion: "r",
		GrantStatus: license.GrantPendingAccept, Version: "1", GrantedOperations: []license.Operation{license.OpCheckoutLicense},
		Grantor: "not on the wire", Grantee: "nor this", ProductSKU: "s", KeyFingerprint: "f", IssuerName: "i"}
	withOptions := g
	withOptions.StatusReason = "why"
	withOptions.Options = &license.Options{ActivationOverrideBehavior: license.ActivationDistributed}
	for _, tc := range []struct {
		name string
		out  any
		want string
	}{
		{"GetGrant", getGrantOut(license.GetGrantOutput{Grant: g}),
			`{"Grant":{"GrantArn":"g","GrantName":"n","ParentArn":"l","LicenseArn":"l","GranteePrincipalArn":"p","HomeRegion":"r",` +
				`"GrantStatus":"PENDING_ACCEPT","Version":"1","GrantedOperations":["CheckoutLicense"]}}`},
		{"a reason and options", grantOut(withOptions),
			`{"GrantArn":"g","GrantName":"n","ParentArn":"l","LicenseArn":"l","GranteePrincipalArn":"p","HomeRegion":"r",` +
				`"GrantStatus":"PENDING_ACCEPT","StatusReason":"why","Version":"1","GrantedOperations":["CheckoutLicense"],` +
				`"Options":{"ActivationOverrideBehavior":"DISTRIBUTED_GRANTS_ONLY"}}`},
		{"a grant changed", grantOutputOut(license.GrantOutput{GrantArn: "g", Status: license.GrantActive, Version: "3"}),
			`{"GrantArn":"g","Status":"ACTIVE","Version":"3"}`},
		{"ListDistributedGrants, a last page", listGrantsOut(license.ListGrantsOutput{Grants: []license.Grant{}}), `{"Grants":[]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantJSON(t, tc.out, tc.want)
		})
	}
}
