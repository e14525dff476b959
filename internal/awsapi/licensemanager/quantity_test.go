package licensemanager_test

import (
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"

	"github.com/tollgate/tollgate/internal/license"
)

// quantity is a requested entitlement with a Value given as text, so that
// values no int can hold can be sent.
func quantity(name, value string) types.EntitlementData {
	return types.EntitlementData{Name: aws.String(name), Unit: types.EntitlementDataUnitCount, Value: aws.String(value)}
}

var _ = sdk("QuantitiesNeverWrap", testQuantitiesNeverWrap)

// testQuantitiesNeverWrap: a checkout's Value is a whole number between 1
// and license.MaxQuantity (ValidationException otherwise), and a Value
// beyond what a pool has left is refused (NoEntitlementsAllowedException),
// however large: the capacity check adds with checked arithmetic, so a sum
// past int64 never wraps into "fits". The license keeps working afterwards.
func testQuantitiesNeverWrap(t *testing.T, be backend) {
	t.Parallel()
	server := newEnv(t, be)
	maxQ := strconv.FormatInt(license.MaxQuantity, 10)
	for _, typ := range []types.CheckoutType{types.CheckoutTypePerpetual, types.CheckoutTypeProvisional} {
		t.Run(string(typ), func(t *testing.T) {
			e := server.in(t)
			x := e.entitle(nil, counted("Seats", 5, false))
			e.mustCheckout(x.buyer, x.sku, x.fp, typ, quantity("Seats", "1"))
			for _, tc := range []struct {
				value, want string
			}{
				{"9223372036854775807", "ValidationException"}, // the reproduction: 1 + MaxInt64 wrapped
				{"9223372036854775808", "ValidationException"},
				{strconv.FormatInt(license.MaxQuantity+1, 10), "ValidationException"},
				{"0", "ValidationException"},
				{"-1", "ValidationException"},
				{maxQ, "NoEntitlementsAllowedException"},
				{"5", "NoEntitlementsAllowedException"},
			} {
				_, err := e.checkout(x.buyer, x.sku, x.fp, typ, quantity("Seats", tc.value))
				if got := errorCode(t, err); got != tc.want {
					t.Errorf("Value %s after 1 of 5: %v, want %s", tc.value, err, tc.want)
				}
			}
			if got := e.usage(x.seller, x.licenseArn)["Seats"]; got != "1/5" {
				t.Errorf("usage after the refusals: %s, want 1/5", got)
			}
			e.mustCheckout(x.buyer, x.sku, x.fp, typ, quantity("Seats", "4"))
			if got := e.usage(x.seller, x.licenseArn)["Seats"]; got != "5/5" {
				t.Errorf("usage of a full pool: %s, want 5/5", got)
			}
		})
	}

	t.Run("OverageUpToMaxQuantity", func(t *testing.T) {
		e := server.in(t)
		// Overage lets a pool go past MaxCount, never past what a counter
		// holds: drawn and in use together stay within MaxQuantity.
		x := e.entitle(nil, counted("Calls", 5, true))
		e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypePerpetual, quantity("Calls", strconv.FormatInt(license.MaxQuantity-2, 10)))
		e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, quantity("Calls", "1"))
		for _, typ := range []types.CheckoutType{types.CheckoutTypePerpetual, types.CheckoutTypeProvisional} {
			_, err := e.checkout(x.buyer, x.sku, x.fp, typ, quantity("Calls", "2"))
			expectErr[*types.NoEntitlementsAllowedException](t, err)
		}
		e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypePerpetual, quantity("Calls", "1"))
		if got, want := e.usage(x.seller, x.licenseArn)["Calls"], maxQ+"/5"; got != want {
			t.Errorf("usage: %s, want %s", got, want)
		}
		_, err := e.checkout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, quantity("Calls", "1"))
		expectErr[*types.NoEntitlementsAllowedException](t, err)
	})

	t.Run("MaxCountWithinMaxQuantity", func(t *testing.T) {
		e := server.in(t)
		seller, buyer := e.party("seller", false), e.party("buyer", false)
		for _, tc := range []struct {
			max  int64
			want string
		}{
			{license.MaxQuantity, ""},
			{license.MaxQuantity + 1, "ValidationException"},
			{1<<63 - 1, "ValidationException"},
			{-1, "ValidationException"},
		} {
			in := e.licenseInput(newSKU(), buyer.ID, counted("Seats", tc.max, false))
			_, err := seller.LM.CreateLicense(e.ctx, in)
			if got := errorCode(t, err); got != tc.want {
				t.Errorf("MaxCount %d: %v, want %q", tc.max, err, tc.want)
			}
		}
	})

	t.Run("Borrow", func(t *testing.T) {
		e := server.in(t)
		x := e.entitle(func(in *licensemanager.CreateLicenseInput) {
			in.ConsumptionConfiguration.BorrowConfiguration = &types.BorrowConfiguration{AllowEarlyCheckIn: aws.Bool(true), MaxTimeToLiveInMinutes: aws.Int32(60)}
		}, counted("Seats", 5, false))
		borrow := func(value string) error {
			_, err := x.buyer.LM.CheckoutBorrowLicense(e.ctx, &licensemanager.CheckoutBorrowLicenseInput{
				LicenseArn: aws.String(x.licenseArn), Entitlements: []types.EntitlementData{quantity("Seats", value)},
				DigitalSignatureMethod: types.DigitalSignatureMethodJwtPs384, ClientToken: newToken()})
			return err
		}
		if err := borrow("1"); err != nil {
			t.Fatalf("borrowing 1: %v", err)
		}
		expectErr[*types.ValidationException](t, borrow("9223372036854775807"))
		expectErr[*types.NoEntitlementsAllowedException](t, borrow(maxQ))
		if got := e.usage(x.seller, x.licenseArn)["Seats"]; got != "1/5" {
			t.Errorf("usage: %s, want 1/5", got)
		}
	})
}
