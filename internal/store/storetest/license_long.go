package storetest

import (
	"crypto/rand"
	"encoding/base64"
	"testing"

	"github.com/tollgate/tollgate/internal/license"
)

var _ = register("LicenseLongValues", LicenseLongValues)

// LicenseLongValues: a license and its grant whose product SKU, issuer name
// and beneficiary are as long as the API allows (4,096 characters), and
// incompressible, are stored, listed and found like any other; no index may
// refuse them (PostgreSQL refuses index rows over 2,704 bytes).
func LicenseLongValues(t *testing.T, open Opener) {
	db := open(t)
	long := func() string {
		b := make([]byte, 3072)
		_, _ = rand.Read(b)
		return base64.RawURLEncoding.EncodeToString(b)[:4096]
	}
	const owner, buyer = "222222222222", "333333333333"
	sku, issuer, beneficiary := long(), long(), long()
	fingerprint := "aws:" + owner + ":" + issuer + ":issuer-fingerprint"
	l := license.License{LicenseArn: "arn:aws:license-manager::" + owner + ":license:l-long", Owner: owner, ProductSKU: sku,
		Status: license.StatusAvailable, Version: "1", Beneficiary: beneficiary,
		Issuer: license.Issuer{Name: issuer, KeyFingerprint: fingerprint}}
	g := license.Grant{GrantArn: "arn:aws:license-manager::" + owner + ":grant:g-long", LicenseArn: l.LicenseArn, Grantor: owner,
		Grantee: buyer, ProductSKU: sku, KeyFingerprint: fingerprint, IssuerName: issuer, GrantStatus: license.GrantActive, Version: "1"}
	NoError(t, db.Licenses().Update(t.Context(), func(tx license.Tx) error {
		if err := tx.PutLicense(l); err != nil {
			return err
		}
		return tx.PutGrant(g)
	}), "store a license and grant with long values")

	ls, err := db.Licenses().ListLicensesByOwner(t.Context(), owner, "", 10,
		license.Narrowing{"ProductSKU": {sku}, "Beneficiary": {beneficiary}, "Fingerprint": {fingerprint}})
	NoError(t, err, "list by long values")
	if len(ls) != 1 || ls[0].LicenseArn != l.LicenseArn {
		t.Errorf("listing by the long values found %d licenses", len(ls))
	}
	gs, err := db.Licenses().GranteeProductGrants(t.Context(), buyer, sku, fingerprint)
	NoError(t, err, "grantee's grants for the long product")
	if len(gs) != 1 || gs[0].GrantArn != g.GrantArn {
		t.Errorf("the checkout lookup found %d grants", len(gs))
	}
}
