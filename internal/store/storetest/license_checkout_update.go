package storetest

import (
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/license"
)

var _ = register("CheckoutExtended", CheckoutExtended)

// CheckoutExtended tests that storing a checkout again (an extension)
// keeps its new expiry and the version of the license it was extended
// under, and leaves the rest as it was.
func CheckoutExtended(t *testing.T, open Opener) {
	db := open(t)
	c := license.Checkout{Token: "checkout-1", Account: "333333333333", LicenseArn: "arn:aws:license-manager::222222222222:license:l-1",
		GrantArn: "arn:aws:license-manager::222222222222:grant:g-1", Type: license.Provisional, IssuedAt: Epoch, Expires: Epoch.Add(time.Hour),
		Entitlements: []license.AllowedEntitlement{{Name: "Seats", Unit: license.UnitCount, Quantity: 1}}, LicenseVersion: "1"}
	NoError(t, db.Licenses().Update(t.Context(), func(tx license.Tx) error { return tx.PutCheckout(c) }), "store a checkout")
	extended := c
	extended.Expires, extended.LicenseVersion = Epoch.Add(2*time.Hour), "3"
	NoError(t, db.Licenses().Update(t.Context(), func(tx license.Tx) error { return tx.PutCheckout(extended) }), "store it extended")
	got, err := db.Licenses().Checkout(t.Context(), c.Token)
	NoError(t, err, "read the checkout")
	Diff(t, "the extended checkout", extended, got)
}
