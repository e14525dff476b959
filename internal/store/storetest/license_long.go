package storetest

import (
	"time"

	"crypto/rand"
	"encoding/base64"
	"testing"

	"github.com/tollgate/tollgate/internal/license"
)

var _ = register("LicenseLongValues", LicenseLongValues)

// long returns n incompressible characters: PostgreSQL compresses index
// values before it measures them, so repeated characters would hide a row
// too long for an index.
func long(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// LicenseLongValues: everything the license manager lets a request create
// at its longest (license.MaxStringLength and the tighter limits of its
// limits table), incompressible, is stored, listed and found like any other
// value; no index may refuse it (PostgreSQL refuses index rows over 2,704
// bytes). That is what lets the domain, not the backend, decide what is too
// long: both backends then give the same answer.
func LicenseLongValues(t *testing.T, open Opener) {
	db := open(t)
	const owner, buyer = "222222222222", "333333333333"
	sku, beneficiary := long(license.MaxStringLength), long(license.MaxStringLength)
	issuer := long(license.MaxIssuerNameLength)
	fingerprint := license.FingerprintFor(owner, issuer)
	entitlement := long(license.MaxEntitlementNameLength)
	clientToken := long(license.MaxClientTokenLength)
	l := license.License{LicenseArn: "arn:aws:license-manager::" + owner + ":license:l-long", Owner: owner, ProductSKU: sku,
		Status: license.StatusAvailable, Version: "1", Beneficiary: beneficiary,
		Issuer:       license.Issuer{Name: issuer, KeyFingerprint: fingerprint},
		Entitlements: []license.Entitlement{{Name: entitlement, Unit: "Count"}}}
	g := license.Grant{GrantArn: "arn:aws:license-manager::" + owner + ":grant:g-long", LicenseArn: l.LicenseArn, Grantor: owner,
		Grantee: buyer, ProductSKU: sku, KeyFingerprint: fingerprint, IssuerName: issuer, GrantStatus: license.GrantActive, Version: "1"}
	seat := license.Seat{Token: long(64), LicenseArn: l.LicenseArn, Name: entitlement, Quantity: 1, Expires: Epoch.Add(1)}
	NoError(t, db.Licenses().Update(t.Context(), func(tx license.Tx) error {
		for _, step := range []func() error{
			func() error { return tx.PutLicense(l) },
			func() error { return tx.PutGrant(g) },
			func() error {
				return tx.PutIssuerKey(license.IssuerKey{Fingerprint: fingerprint, PrivateKeyPEM: []byte("key"), CreatedAt: Epoch})
			},
			func() error { return tx.AddDrawn(l.LicenseArn, entitlement, time.Time{}, 2) },
			func() error { return tx.AddSeat(seat) },
			func() error {
				return tx.PutIdempotent(buyer, "CheckoutLicense", clientToken, "hash", []byte("{}"), Epoch)
			},
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	}), "store a license, its grant, issuer key, units and a client token, with the longest values")

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
	keys, err := AllIssuerKeys(t.Context(), db.Licenses())
	NoError(t, err, "issuer keys")
	if len(keys) != 1 || keys[0].Fingerprint != fingerprint {
		t.Errorf("found %d issuer keys, want the one with the longest fingerprint", len(keys))
	}
	usage, err := db.Licenses().Usage(t.Context(), l.LicenseArn, time.Time{}, Epoch)
	NoError(t, err, "usage of the long entitlement")
	Diff(t, "usage", map[string]license.Usage{entitlement: {Drawn: 2, InUse: 1}}, usage)
	answer, err := db.Licenses().Idempotent(t.Context(), buyer, "CheckoutLicense", clientToken)
	NoError(t, err, "the answer kept for the longest client token")
	if answer.RequestHash != "hash" {
		t.Errorf("request hash %q, want %q", answer.RequestHash, "hash")
	}
}
