package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tollgate/tollgate/internal/license"
)

var _ = register("LicenseDocuments", LicenseDocuments)

// fullLicense returns a license of owner with every field set, the optional
// ones included, for tests that check that nothing is lost on the way to
// the store and back.
func fullLicense(owner string) license.License {
	five, yes, no, hour, day := int64(5), true, false, 60, 1440
	fp := license.FingerprintFor(owner, "Self")
	return license.License{
		LicenseArn: "arn:aws:license-manager::" + owner + ":license:l-full", LicenseName: "Full", ProductName: "Product",
		ProductSKU: "sku-full", Issuer: license.Issuer{Name: "Self", SignKey: "sign-key", KeyFingerprint: fp},
		HomeRegion: "us-east-1", Status: license.StatusAvailable,
		Validity:    license.Validity{Begin: Epoch, End: Epoch.AddDate(1, 0, 0)},
		Beneficiary: "333333333333",
		Entitlements: []license.Entitlement{
			{Name: "Seats", MaxCount: &five, Overage: &no, Unit: "Count", AllowCheckIn: &yes},
			{Name: "Gold", Value: "Enabled", Unit: license.UnitNone},
		},
		ConsumptionConfiguration: license.ConsumptionConfiguration{RenewType: license.RenewMonthly,
			ProvisionalConfiguration: &license.ProvisionalConfiguration{MaxTimeToLiveInMinutes: &hour},
			BorrowConfiguration:      &license.BorrowConfiguration{AllowEarlyCheckIn: &no, MaxTimeToLiveInMinutes: &day}},
		LicenseMetadata: []license.Metadata{{Name: "tier", Value: "gold"}, {Name: "region", Value: "eu"}},
		CreateTime:      Epoch.Add(-time.Hour), Version: "1", Owner: owner,
	}
}

// LicenseDocuments: licenses, their versions, grants, refresh tokens and
// checkouts come back from the store as they went in, every field of the
// domain's types, whatever shape the store keeps them in.
func LicenseDocuments(t *testing.T, open Opener) {
	db := open(t)
	ctx := t.Context()
	const owner, buyer = "222222222222", "333333333333"
	v1 := fullLicense(owner)
	v2 := v1
	v2.Version, v2.LicenseName, v2.Validity.End, v2.LicenseMetadata = "2", "Renewed", time.Time{}, nil
	v2.ConsumptionConfiguration = license.ConsumptionConfiguration{}
	g1 := license.Grant{GrantArn: "arn:aws:license-manager::" + owner + ":grant:g-full", GrantName: "contract", ParentArn: v1.LicenseArn,
		LicenseArn: v1.LicenseArn, GranteePrincipalArn: "arn:aws:iam::" + buyer + ":root", HomeRegion: "us-east-1",
		GrantStatus: license.GrantPendingAccept, Version: "1",
		GrantedOperations: []license.Operation{license.OpCheckoutLicense, license.OpCheckInLicense},
		Grantor:           owner, Grantee: buyer, ProductSKU: v1.ProductSKU, KeyFingerprint: v1.Issuer.KeyFingerprint, IssuerName: "Self"}
	g2 := g1
	g2.Version, g2.GrantStatus, g2.StatusReason = "2", license.GrantActive, "accepted"
	g2.Options = &license.Options{ActivationOverrideBehavior: license.ActivationAllGrants}
	tok := license.Token{TokenId: "token-full", TokenType: license.RefreshTokenType, LicenseArn: v1.LicenseArn,
		TokenProperties: []string{"on-prem"}, RoleArns: []string{"arn:aws:iam::" + buyer + ":role/r"}, Status: license.TokenAvailable,
		Account: buyer, Secret: "tgr-full", Expires: Epoch.Add(time.Hour)}
	c := license.Checkout{Token: "checkout-full", Account: buyer, LicenseArn: v1.LicenseArn, GrantArn: g1.GrantArn, Type: license.Provisional,
		Borrow: true, NodeID: "node", IssuedAt: Epoch, Expires: Epoch.Add(time.Hour),
		Entitlements: []license.AllowedEntitlement{{Name: "Seats", Quantity: 2, Unit: license.UnitCount}, {Name: "Gold", Value: "Enabled", Unit: license.UnitNone}},
		Metadata:     []license.Metadata{{Name: "host", Value: "h1"}}, Beneficiary: "user@example.com",
		LicenseVersion: "2"}
	NoError(t, db.Licenses().Update(ctx, func(tx license.Tx) error {
		for _, step := range []func() error{
			func() error { return tx.PutLicense(v1) }, func() error { return tx.PutLicense(v2) },
			func() error { return tx.PutGrant(g1) }, func() error { return tx.PutGrant(g2) },
			func() error { return tx.PutToken(tok) }, func() error { return tx.PutCheckout(c) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	}), "store a license of two versions, a grant of two, a token and a checkout")

	lm := db.Licenses()
	got, err := lm.GetLicense(ctx, v1.LicenseArn, "")
	NoError(t, err, "current license")
	Diff(t, "current license", v2, got)
	got, err = lm.GetLicense(ctx, v1.LicenseArn, "1")
	NoError(t, err, "license version 1")
	Diff(t, "license version 1", v1, got)
	versions, err := lm.ListLicenseVersions(ctx, v1.LicenseArn)
	NoError(t, err, "license versions")
	Diff(t, "license versions", []license.License{v1, v2}, versions, cmpopts.SortSlices(func(a, b license.License) bool { return a.Version < b.Version }))

	gotGrant, err := lm.GetGrant(ctx, g1.GrantArn, "")
	NoError(t, err, "current grant")
	Diff(t, "current grant", g2, gotGrant)
	gotGrant, err = lm.GetGrant(ctx, g1.GrantArn, "1")
	NoError(t, err, "grant version 1")
	Diff(t, "grant version 1", g1, gotGrant)

	tokens, err := lm.ListTokens(ctx, buyer)
	NoError(t, err, "tokens")
	want := tok
	want.Secret = "" // kept as a hash only
	Diff(t, "tokens", []license.Token{want}, tokens)

	gotCheckout, err := lm.Checkout(ctx, c.Token)
	NoError(t, err, "checkout")
	Diff(t, "checkout", c, gotCheckout)

	NoError(t, lm.Update(ctx, func(tx license.Tx) error { return tx.SetLicenseStatus(v1.LicenseArn, license.StatusDeactivated) }),
		"deactivate the license")
	got, err = lm.GetLicense(ctx, v1.LicenseArn, "2")
	NoError(t, err, "license version 2 after the status change")
	Diff(t, "license version 2 after the status change: a version is immutable", v2, got)
	got, err = lm.GetLicense(ctx, v1.LicenseArn, "")
	NoError(t, err, "current license after the status change")
	current := v2
	current.Status = license.StatusDeactivated
	Diff(t, "current license after the status change", current, got)
}
