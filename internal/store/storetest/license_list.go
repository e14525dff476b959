package storetest

import (
	"fmt"
	"testing"

	"github.com/tollgate/tollgate/internal/license"
)

var _ = register("LicenseListing", LicenseListing)

// LicenseListing tests the ARN-ordered, batched reads of an issuer's
// licenses and grants, and the narrowing a store may apply to them.
func LicenseListing(t *testing.T, open Opener) {
	db := open(t)
	const owner, other = "222222222222", "444444444444"
	skus := []string{"sku-a", "sku-b", "sku-c"}
	statuses := []license.LicenseStatus{license.StatusAvailable, license.StatusDeactivated}
	NoError(t, db.Licenses().Update(t.Context(), func(tx license.Tx) error {
		for i := range 30 {
			for _, who := range []string{owner, other} {
				arn := fmt.Sprintf("arn:aws:license-manager::%s:license:l-%02d", who, (i*7)%30)
				l := license.License{LicenseArn: arn, Owner: who, ProductSKU: skus[i%3], Status: statuses[i%2], Version: "1",
					Issuer: license.Issuer{Name: "Self", KeyFingerprint: "aws:" + who + ":Self:issuer-fingerprint"}}
				if err := tx.PutLicense(l); err != nil {
					return err
				}
				g := license.Grant{GrantArn: fmt.Sprintf("arn:aws:license-manager::%s:grant:g-%02d", who, (i*7)%30), LicenseArn: arn,
					Grantor: who, Grantee: "333333333333", ProductSKU: l.ProductSKU, KeyFingerprint: l.Issuer.KeyFingerprint,
					IssuerName: "Self", GrantStatus: license.GrantStatus(statuses[i%2]), Version: "1"}
				if err := tx.PutGrant(g); err != nil {
					return err
				}
			}
		}
		return nil
	}), "store licenses and grants")

	licenses := func(narrow license.Narrowing, after string, limit int) []string {
		t.Helper()
		ls, err := db.Licenses().ListLicensesByOwner(t.Context(), owner, after, limit, narrow)
		NoError(t, err, "list licenses")
		var arns []string
		for _, l := range ls {
			if l.Owner != owner {
				t.Fatalf("listed %s of owner %s", l.LicenseArn, l.Owner)
			}
			arns = append(arns, l.LicenseArn)
		}
		return arns
	}
	arn := func(n int) string { return fmt.Sprintf("arn:aws:license-manager::%s:license:l-%02d", owner, n) }

	t.Run("OrderAfterAndLimit", func(t *testing.T) {
		Diff(t, "first five", []string{arn(0), arn(1), arn(2), arn(3), arn(4)}, licenses(nil, "", 5))
		Diff(t, "after l-27", []string{arn(28), arn(29)}, licenses(nil, arn(27), 5))
		Diff(t, "after the last", []string(nil), licenses(nil, arn(29), 5))
	})
	t.Run("Narrowed", func(t *testing.T) {
		// License n was stored at the i with (i*7)%30 == n, i = (n*13)%30.
		var want []string
		for n := range 30 {
			i := (n * 13) % 30
			if skus[i%3] == "sku-b" && statuses[i%2] == "DEACTIVATED" {
				want = append(want, arn(n))
			}
		}
		got := licenses(license.Narrowing{"ProductSKU": {"sku-b"}, "Status": {"DEACTIVATED"}, "IssuerName": {"ignored: not a column"}}, "", 100)
		Diff(t, "sku-b and DEACTIVATED", want, got)
		both := licenses(license.Narrowing{"ProductSKU": {"sku-a", "sku-c"}}, "", 100)
		if len(both) != 20 {
			t.Errorf("sku-a or sku-c: %d licenses, want 20", len(both))
		}
		none := licenses(license.Narrowing{"Fingerprint": {"aws:" + other + ":Self:issuer-fingerprint"}}, "", 100)
		Diff(t, "another issuer's fingerprint", []string(nil), none)
	})
	t.Run("Grants", func(t *testing.T) {
		gs, err := db.Licenses().ListGrantsByGrantor(t.Context(), owner, "", 4, license.Narrowing{"GrantStatus": {string(license.StatusAvailable)}})
		NoError(t, err, "list grants")
		var got []string
		for _, g := range gs {
			got = append(got, g.GrantArn)
		}
		var want []string
		for n := 0; len(want) < 4; n++ {
			if statuses[((n*13)%30)%2] == license.StatusAvailable {
				want = append(want, fmt.Sprintf("arn:aws:license-manager::%s:grant:g-%02d", owner, n))
			}
		}
		Diff(t, "first four AVAILABLE grants", want, got)
		byLicense, err := db.Licenses().ListGrantsByGrantor(t.Context(), owner, "", 10, license.Narrowing{"LicenseArn": {arn(7)}})
		NoError(t, err, "list grants of one license")
		if len(byLicense) != 1 || byLicense[0].LicenseArn != arn(7) {
			t.Errorf("grants of %s: %+v", arn(7), byLicense)
		}
	})
}
