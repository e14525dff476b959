package license_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/license/licensetest"
)

// TestSweep: expired floating checkouts go an hour after they expire, client
// tokens after a day, PERPETUAL checkouts never; what a client sees changes
// only where the retention says it may.
func TestSweep(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(epoch)
	db := openSQLite(t)
	db.SetClock(clk)
	svc := license.NewService(db.Licenses(), clk, licensetest.Operators{}, license.Config{})
	pool := licensetest.NewPool(t, svc, clk.Now(), 10, 60)
	buyer := pool.Buyer

	floating, err := svc.CheckoutLicense(ctx, buyer, pool.CheckoutInput("token-floating"))
	if err != nil {
		t.Fatal(err)
	}
	drawIn := pool.CheckoutInput("token-drawn")
	drawIn.CheckoutType = license.Perpetual
	drawn, err := svc.CheckoutLicense(ctx, buyer, drawIn)
	if err != nil {
		t.Fatal(err)
	}
	checkIn := func(token string) error {
		_, err := svc.CheckInLicense(ctx, buyer, license.CheckInLicenseInput{LicenseConsumptionToken: token})
		return err
	}
	sweep := func(want license.SweepResult) {
		t.Helper()
		got, err := svc.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("at %s swept %+v, want %+v", clk.Now().Sub(epoch), got, want)
		}
	}

	// Expired, within the retention: kept, and a check-in is told when.
	clk.Advance(61 * time.Minute)
	sweep(license.SweepResult{})
	if err := checkIn(floating.LicenseConsumptionToken); !fault.Is(err, fault.NotFound) || !strings.Contains(err.Error(), "expired at") {
		t.Errorf("check-in of an expired checkout: %v, want NotFound saying when it expired", err)
	}

	// An hour after expiry: deleted; a check-in fails with the same kind.
	clk.Advance(time.Hour)
	sweep(license.SweepResult{Checkouts: 1})
	if err := checkIn(floating.LicenseConsumptionToken); !fault.Is(err, fault.NotFound) {
		t.Errorf("check-in of a swept checkout: %v, want NotFound", err)
	}
	if err := checkIn(drawn.LicenseConsumptionToken); !fault.Is(err, fault.Conflict) {
		t.Errorf("check-in of a PERPETUAL checkout after a sweep: %v, want Conflict (it is kept)", err)
	}

	// Within the idempotency window a retry gets the first answer...
	again, err := svc.CheckoutLicense(ctx, buyer, pool.CheckoutInput("token-floating"))
	if err != nil || again.LicenseConsumptionToken != floating.LicenseConsumptionToken {
		t.Errorf("retry within a day: %v, token %s, want the first answer's %s", err, again.LicenseConsumptionToken, floating.LicenseConsumptionToken)
	}

	// ...after it the token is new again. Five answers were older than a
	// day: the pool's CreateLicense, CreateGrant and activation, and the two
	// checkouts.
	clk.Advance(license.ClientTokenRetention - 2*time.Hour + time.Minute)
	sweep(license.SweepResult{ClientTokens: 5})
	fresh, err := svc.CheckoutLicense(ctx, buyer, pool.CheckoutInput("token-floating"))
	if err != nil || fresh.LicenseConsumptionToken == floating.LicenseConsumptionToken {
		t.Errorf("retry after a day: %v, token %s, want a new checkout", err, fresh.LicenseConsumptionToken)
	}
	if err := checkIn(fresh.LicenseConsumptionToken); err != nil {
		t.Errorf("check-in of the new checkout: %v", err)
	}
}
