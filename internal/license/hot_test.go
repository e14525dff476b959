package license_test

import (
	"time"

	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/license/licensetest"
	"github.com/tollgate/tollgate/internal/store"
)

// A hot license, one pool that many clients check out of at once, queues
// its writers instead of failing them: 32 clients each check out a seat,
// extend it and check it in, again and again, and every request succeeds.
// On PostgreSQL, as plain serializable transactions, one in ten of them
// outlasted its retries and was answered ThrottlingException.

func TestHotLicenseSQLite(t *testing.T) { testHotLicense(t, openSQLite(t)) }

func TestHotLicensePostgres(t *testing.T) { testHotLicense(t, openPostgres(t)) }

func testHotLicense(t *testing.T, db *store.DB) {
	const clients, rounds = 32, 15
	clk := clock.NewManual(epoch)
	db.SetClock(clk)
	svc := license.NewService(db.Licenses(), clk, licensetest.Operators{}, license.Config{})
	pool := licensetest.NewPool(t, svc, clk.Now(), clients, poolTTL)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	failures := map[string]int{}
	fail := func(op string, err error) {
		mu.Lock()
		failures[fmt.Sprintf("%s: %v (%v)", op, fault.KindOf(err), err)]++
		mu.Unlock()
	}
	for c := range clients {
		wg.Go(func() {
			for r := range rounds {
				out, err := svc.CheckoutLicense(ctx, pool.Buyer, pool.CheckoutInput(fmt.Sprintf("hot-%d-%d", c, r)))
				if err != nil {
					fail("CheckoutLicense", err)
					continue
				}
				token := out.LicenseConsumptionToken
				if _, err := svc.ExtendLicenseConsumption(ctx, pool.Buyer, license.ExtendLicenseConsumptionInput{LicenseConsumptionToken: token}); err != nil {
					fail("ExtendLicenseConsumption", err)
				}
				if _, err := svc.CheckInLicense(ctx, pool.Buyer, license.CheckInLicenseInput{LicenseConsumptionToken: token}); err != nil {
					fail("CheckInLicense", err)
				}
			}
		})
	}
	wg.Wait()
	for msg, n := range failures {
		t.Errorf("%d x %s", n, msg)
	}
	usage, err := db.Licenses().Usage(ctx, pool.LicenseArn, time.Time{}, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n := usage[pool.Entitlement].InUse; n != 0 {
		t.Errorf("%d seats in use after every checkout was checked in", n)
	}
}
