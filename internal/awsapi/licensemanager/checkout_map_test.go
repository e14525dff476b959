package licensemanager

import (
	"testing"

	"github.com/tollgate/tollgate/internal/license"
)

// TestCheckoutIn: the Value of a counted entitlement asked for is its
// quantity, read as a decimal integer (the domain bounds it); a tier's is
// kept as sent; what is not a number is a ValidationException naming the
// entitlement.
func TestCheckoutIn(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       []entitlementData
		want     []license.EntitlementRequest
		problems []string
	}{
		{"none", nil, nil, nil},
		{"a quantity, none, a tier", []entitlementData{{Name: "Seats", Value: "3", Unit: "Count"}, {Name: "Calls", Unit: "Count"},
			{Name: "Gold", Value: "whatever", Unit: "None"}},
			[]license.EntitlementRequest{{Name: "Seats", Unit: license.UnitCount, Quantity: ptr(int64(3))}, {Name: "Calls", Unit: license.UnitCount},
				{Name: "Gold", Unit: license.UnitNone, Value: "whatever"}}, nil},
		{"zero and negative are numbers: the domain refuses them", []entitlementData{{Name: "a", Value: "0", Unit: "Count"}, {Name: "b", Value: "-1", Unit: "Bytes"}},
			[]license.EntitlementRequest{{Name: "a", Unit: license.UnitCount, Quantity: ptr(int64(0))}, {Name: "b", Unit: "Bytes", Quantity: ptr(int64(-1))}}, nil},
		{"not a number", []entitlementData{{Name: "a", Value: "1", Unit: "Count"}, {Name: "b", Value: "1.5", Unit: "Count"}},
			[]license.EntitlementRequest{{Name: "a", Unit: license.UnitCount, Quantity: ptr(int64(1))}, {Name: "b", Unit: license.UnitCount}},
			[]string{"Value '1.5' at 'entitlements.2.member.value' failed to satisfy constraint: Member must be a whole number between 1 and 9007199254740991"}},
		{"beyond int64", []entitlementData{{Name: "a", Value: "9223372036854775808", Unit: "Count"}},
			[]license.EntitlementRequest{{Name: "a", Unit: license.UnitCount}},
			[]string{"Value '9223372036854775808' at 'entitlements.1.member.value' failed to satisfy constraint: Member must be a whole number"}},
		{"a NUL", []entitlementData{{Name: "a", Value: "1\x00", Unit: "Count"}}, []license.EntitlementRequest{{Name: "a", Unit: license.UnitCount}},
			[]string{"Value at 'entitlements.1.member.value' failed to satisfy constraint: Member must not contain the NUL character"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := checkoutLicenseIn(checkoutLicenseRequest{Entitlements: tc.in})
			wantValidation(t, err, tc.problems...)
			diff(t, "entitlements", tc.want, got.Entitlements)
			borrow, err := checkoutBorrowLicenseIn(checkoutBorrowLicenseRequest{Entitlements: tc.in})
			wantValidation(t, err, tc.problems...)
			diff(t, "borrowed entitlements", tc.want, borrow.Entitlements)
		})
	}
}

// TestCheckoutsOut: the answers to checkouts, byte for byte: one domain
// answer, in the shapes of CheckoutLicense and of CheckoutBorrowLicense.
func TestCheckoutsOut(t *testing.T) {
	out := license.CheckoutOutput{LicenseArn: "l", LicenseConsumptionToken: "t", CheckoutType: license.Provisional,
		EntitlementsAllowed: []license.AllowedEntitlement{{Name: "Seats", Unit: license.UnitCount, Quantity: 2}, {Name: "Gold", Unit: license.UnitNone, Value: "Enabled"}},
		SignedToken:         "jws", IssuedAt: epoch, Expiration: epoch.Add(3600e9)}
	borrowed := out
	borrowed.NodeId, borrowed.CheckoutMetadata = "n", []license.Metadata{{Name: "m", Value: "v"}}
	for _, tc := range []struct {
		name string
		out  any
		want string
	}{
		{"CheckoutLicense", checkoutLicenseOut(out),
			`{"CheckoutType":"PROVISIONAL","LicenseConsumptionToken":"t","EntitlementsAllowed":[{"Name":"Seats","Value":"2","Unit":"Count"},` +
				`{"Name":"Gold","Value":"Enabled","Unit":"None"}],"SignedToken":"jws","IssuedAt":"2026-03-14T15:09:26.535Z",` +
				`"Expiration":"2026-03-14T16:09:26.535Z","LicenseArn":"l"}`},
		{"CheckoutBorrowLicense", checkoutBorrowLicenseOut(borrowed),
			`{"LicenseArn":"l","LicenseConsumptionToken":"t","EntitlementsAllowed":[{"Name":"Seats","Value":"2","Unit":"Count"},` +
				`{"Name":"Gold","Value":"Enabled","Unit":"None"}],"NodeId":"n","SignedToken":"jws","IssuedAt":"2026-03-14T15:09:26.535Z",` +
				`"Expiration":"2026-03-14T16:09:26.535Z","CheckoutMetadata":[{"Name":"m","Value":"v"}]}`},
		{"ExtendLicenseConsumption", extendLicenseConsumptionOut(license.ExtendLicenseConsumptionOutput{LicenseConsumptionToken: "t", Expiration: epoch}),
			`{"LicenseConsumptionToken":"t","Expiration":"2026-03-14T15:09:26.535Z"}`},
		{"CheckInLicense", empty(struct{}{}), `{}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantJSON(t, tc.out, tc.want)
		})
	}
}
