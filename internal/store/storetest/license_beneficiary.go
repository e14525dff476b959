package storetest

import (
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/license"
)

var _ = register("IssuedLicenses", IssuedLicenses)

// IssuedLicenses tests the lookup of the licenses an issuer created for a
// product and issuer to one beneficiary, the lookup of a checkout by
// beneficiary: exact matches only, in ARN order, beneficiaries longer than
// the part the index keys told apart.
func IssuedLicenses(t *testing.T, open Opener) {
	db := open(t)
	const owner, other = "222222222222", "444444444444"
	fp := license.FingerprintFor(owner, "Self")
	long := strings.Repeat("b", 300)
	type row struct{ arn, owner, sku, fingerprint, beneficiary string }
	rows := []row{
		{"l-2", owner, "sku", fp, "user@domain.com"},
		{"l-1", owner, "sku", fp, "user@domain.com"},
		{"l-3", owner, "sku", fp, "other@domain.com"},
		{"l-4", owner, "other-sku", fp, "user@domain.com"},
		{"l-5", owner, "sku", license.FingerprintFor(owner, "Other"), "user@domain.com"},
		{"l-6", other, "sku", fp, "user@domain.com"},
		{"l-7", owner, "sku", fp, long + "x"},
		{"l-8", owner, "sku", fp, long + "y"},
		{"l-9", owner, "sku", fp, "USER@domain.com"},
	}
	arn := func(who, id string) string { return "arn:aws:license-manager::" + who + ":license:" + id }
	NoError(t, db.Licenses().Update(t.Context(), func(tx license.Tx) error {
		for _, r := range rows {
			l := license.License{LicenseArn: arn(r.owner, r.arn), Owner: r.owner, ProductSKU: r.sku, Beneficiary: r.beneficiary,
				Status: license.StatusAvailable, Version: "1", Issuer: license.Issuer{Name: "Self", KeyFingerprint: r.fingerprint}}
			if err := tx.PutLicense(l); err != nil {
				return err
			}
		}
		return nil
	}), "store licenses")
	issued := func(beneficiary string) []string {
		t.Helper()
		ls, err := db.Licenses().IssuedLicenses(t.Context(), owner, "sku", fp, beneficiary)
		NoError(t, err, "IssuedLicenses")
		var arns []string
		for _, l := range ls {
			arns = append(arns, l.LicenseArn)
		}
		return arns
	}
	Diff(t, "user@domain.com", []string{arn(owner, "l-1"), arn(owner, "l-2")}, issued("user@domain.com"))
	Diff(t, "other@domain.com", []string{arn(owner, "l-3")}, issued("other@domain.com"))
	Diff(t, "long beneficiary x", []string{arn(owner, "l-7")}, issued(long+"x"))
	Diff(t, "long beneficiary y", []string{arn(owner, "l-8")}, issued(long+"y"))
	Diff(t, "no such beneficiary", []string(nil), issued("nobody@domain.com"))
}
