package licensemanager_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/google/go-cmp/cmp"
)

var _ = sdk("RenewTypeResetsConsumption", testRenewTypeResetsConsumption)

// testRenewTypeResetsConsumption: a Weekly or Monthly license drawn down to
// its MaxCount is whole again at its next renewal, its periods anchored at
// the begin of its validity: a week, or a calendar month, after it.
// Floating seats are held, not consumed, and stay in use across a renewal.
func testRenewTypeResetsConsumption(t *testing.T, be backend) {
	t.Parallel()
	for _, tc := range []struct {
		renew types.RenewType
		// how long after the begin of validity the pool is still spent,
		// and when it is whole again
		spent, renewed time.Duration
	}{
		{types.RenewTypeWeekly, 7*24*time.Hour - time.Minute, 8 * 24 * time.Hour},
		{types.RenewTypeMonthly, 8 * 24 * time.Hour, 40 * 24 * time.Hour},
		{types.RenewTypeNone, 400 * 24 * time.Hour, 0},
	} {
		t.Run(string(tc.renew), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, be)
			begin := e.now().Add(-time.Hour).Truncate(time.Millisecond)
			x := e.entitle(func(in *licensemanager.CreateLicenseInput) {
				in.ConsumptionConfiguration.RenewType = tc.renew
				in.Validity.Begin = awsString(begin.Format(isoFormat))
				in.Validity.End = awsString(begin.AddDate(2, 0, 0).Format(isoFormat))
			}, counted("Reports", 10, false))
			usage := func(step, want string) {
				t.Helper()
				if diff := cmp.Diff(map[string]string{"Reports": want}, e.usage(x.seller, x.licenseArn)); diff != "" {
					t.Errorf("%s: usage (-want +got):\n%s", step, diff)
				}
			}
			e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypePerpetual, want("Reports", 10))
			usage("drawn down", "10/10")
			_, err := e.checkout(x.buyer, x.sku, x.fp, types.CheckoutTypePerpetual, want("Reports", 1))
			expectErr[*types.NoEntitlementsAllowedException](t, err)

			e.advance(begin.Add(tc.spent).Sub(e.now()))
			usage("before the renewal", "10/10")
			_, err = e.checkout(x.buyer, x.sku, x.fp, types.CheckoutTypePerpetual, want("Reports", 1))
			expectErr[*types.NoEntitlementsAllowedException](t, err)
			if tc.renewed == 0 {
				return
			}
			e.advance(begin.Add(tc.renewed).Sub(e.now()))
			usage("after the renewal", "0/10")
			e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypePerpetual, want("Reports", 4))
			usage("drawn in the new period", "4/10")
		})
	}
	t.Run("floating seats across a renewal", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, be)
		begin := e.now().Add(-time.Hour).Truncate(time.Millisecond)
		x := e.entitle(func(in *licensemanager.CreateLicenseInput) {
			in.ConsumptionConfiguration.RenewType = types.RenewTypeWeekly
			in.Validity.Begin = awsString(begin.Format(isoFormat))
		}, counted("Seats", 3, false))
		e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypePerpetual, want("Seats", 1))
		e.advance(begin.Add(7*24*time.Hour - 10*time.Minute).Sub(e.now()))
		e.mustCheckout(x.buyer, x.sku, x.fp, types.CheckoutTypeProvisional, want("Seats", 2))
		e.advance(20 * time.Minute) // past the renewal, within the seats' hour
		if diff := cmp.Diff(map[string]string{"Seats": "2/3"}, e.usage(x.seller, x.licenseArn)); diff != "" {
			t.Errorf("usage after the renewal (-want +got):\n%s", diff)
		}
	})
}

func awsString(s string) *string { return &s }
