package license_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/license/licensetest"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// pause is a point at which a test holds one operation: reached is closed
// when the operation gets there, and it waits until release is closed. It
// holds the operation once.
type pause struct {
	once    sync.Once
	reached chan struct{}
	release chan struct{}
}

func newPause() *pause { return &pause{reached: make(chan struct{}), release: make(chan struct{})} }

func (p *pause) hold() {
	p.once.Do(func() {
		close(p.reached)
		<-p.release
	})
}

// hooks say where to hold an operation whose context carries them.
type hooks struct {
	beforeUpdate *pause // before the write transaction starts
	atGrant      *pause // inside it, when it first reads a grant
	atCheckout   *pause // inside it, at its first statement (it reads the checkout)
	// afterLicenseRead runs once, when the operation has read a license
	// outside any transaction (as a checkout does to plan).
	afterLicenseRead func()
	once             sync.Once
}

type hooksKey struct{}

func withHooks(ctx context.Context, h *hooks) context.Context {
	return context.WithValue(ctx, hooksKey{}, h)
}

// hookedStore is a license.Store that holds operations where their context
// says.
type hookedStore struct{ license.Store }

func (s hookedStore) Update(ctx context.Context, fn func(license.Tx) error) error {
	return s.Store.Update(ctx, s.hook(ctx, fn))
}

func (s hookedStore) UpdateLicense(ctx context.Context, arn string, fn func(license.Tx) error) error {
	return s.Store.UpdateLicense(ctx, arn, s.hook(ctx, fn))
}

func (s hookedStore) GetLicense(ctx context.Context, arn, version string) (license.License, error) {
	l, err := s.Store.GetLicense(ctx, arn, version)
	if h, _ := ctx.Value(hooksKey{}).(*hooks); h != nil && h.afterLicenseRead != nil {
		h.once.Do(h.afterLicenseRead)
	}
	return l, err
}

// hook holds the operation before its transaction, or returns fn reading
// through a transaction that holds it at its first grant read.
func (s hookedStore) hook(ctx context.Context, fn func(license.Tx) error) func(license.Tx) error {
	h, _ := ctx.Value(hooksKey{}).(*hooks)
	if h != nil && h.beforeUpdate != nil {
		h.beforeUpdate.hold()
	}
	return func(tx license.Tx) error {
		if h != nil && (h.atGrant != nil || h.atCheckout != nil) {
			tx = hookedTx{Tx: tx, atGrant: h.atGrant, atCheckout: h.atCheckout}
		}
		return fn(tx)
	}
}

type hookedTx struct {
	license.Tx
	atGrant, atCheckout *pause
}

func (t hookedTx) Grant(arn string) (license.Grant, error) {
	if t.atGrant != nil {
		t.atGrant.hold()
	}
	return t.Tx.Grant(arn)
}

func (t hookedTx) Checkout(token string) (license.Checkout, error) {
	if t.atCheckout != nil {
		t.atCheckout.hold()
	}
	return t.Tx.Checkout(token)
}

// TestExtendCannotReviveAReassignedSeat is the interleaving in which a
// stale reading of the clock would over-commit a pool: an extension that
// looked at the clock just before its seat expired is held while the clock
// passes the expiry and another checkout tries to take the freed seat; then
// it is let go. The pool must never hold more than its one seat.
//
// Held before its transaction (on either backend), the extension reads the
// clock only once the other checkout has taken the seat, finds its seat
// expired and renews nothing. Held inside its transaction (PostgreSQL: on
// SQLite the single writer lets nothing else commit meanwhile), it has
// read the clock and seen its seat live; the other checkout of the same
// license then waits for it (Store.UpdateLicense), and when it runs it
// finds the seat renewed and the pool full.
func TestExtendCannotReviveAReassignedSeatSQLite(t *testing.T) {
	t.Run("BeforeTransaction", func(t *testing.T) {
		testExtendCannotRevive(t, openSQLite(t), &hooks{beforeUpdate: newPause()})
	})
	t.Run("BeforeItsFirstStatement", func(t *testing.T) {
		testExtendCannotRevive(t, openSQLite(t), &hooks{atCheckout: newPause()})
	})
}

func TestExtendCannotReviveAReassignedSeatPostgres(t *testing.T) {
	t.Run("BeforeTransaction", func(t *testing.T) {
		testExtendCannotRevive(t, openPostgres(t), &hooks{beforeUpdate: newPause()})
	})
	t.Run("InsideTransaction", func(t *testing.T) {
		testExtendCannotRevive(t, openPostgres(t), &hooks{atGrant: newPause()})
	})
	// Held after its transaction read the time, before its first statement
	// took the snapshot: how the extension of TestPoolLinearizablePostgres
	// once counted 11 seats of 10 (its seat live at its time, and the
	// checkout that had taken the seat at a later time in its snapshot).
	// Since the checkout now queues behind the extension, the extension
	// renews a seat that is still its own.
	t.Run("BeforeItsFirstStatement", func(t *testing.T) {
		testExtendCannotRevive(t, openPostgres(t), &hooks{atCheckout: newPause()})
	})
	// With a few thousand old checkouts in the tables, PostgreSQL reads the
	// checkout by its index rather than scanning the whole (small) table.
	t.Run("InsideTransactionLargeTables", func(t *testing.T) {
		db := openPostgres(t)
		prefill(t, db, 5000)
		testExtendCannotRevive(t, db, &hooks{atGrant: newPause()})
	})
}

// prefill stores n expired checkouts of another license, as a store that
// has been in use for a while holds, and has PostgreSQL analyze the tables.
func prefill(t *testing.T, db *store.DB, n int) {
	t.Helper()
	old := epoch.Add(-24 * time.Hour)
	for i := 0; i < n; i += 500 {
		err := db.Licenses().Update(t.Context(), func(tx license.Tx) error {
			for j := i; j < min(i+500, n); j++ {
				token := fmt.Sprintf("%064x", j)
				if err := tx.AddSeat(license.Seat{Token: token, LicenseArn: "arn:old", Name: "Seats", Quantity: 1, Expires: old}); err != nil {
					return err
				}
				if err := tx.PutCheckout(license.Checkout{Token: token, Account: "999999999999", LicenseArn: "arn:old", GrantArn: "arn:old-grant",
					Type: license.Provisional, IssuedAt: old, Expires: old}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("prefill: %v", err)
		}
	}
	if err := db.Update(t.Context(), func(tx *store.Tx) error { _, err := tx.Exec("ANALYZE"); return err }); err != nil {
		t.Fatalf("analyze: %v", err)
	}
}

func testExtendCannotRevive(t *testing.T, db *store.DB, h *hooks) {
	ctx := context.Background()
	clk := clock.NewManual(epoch)
	db.SetClock(clk)
	svc := license.NewService(hookedStore{db.Licenses()}, clk, licensetest.Operators{}, license.Config{})
	pool := licensetest.NewPool(t, svc, clk.Now(), 1, poolTTL)

	a, err := svc.CheckoutLicense(ctx, pool.Buyer, pool.CheckoutInput("a-"+t.Name()))
	if err != nil {
		t.Fatalf("first checkout: %v", err)
	}
	clk.Advance(pool.TTL - time.Minute) // a minute left

	var ext license.ExtendLicenseConsumptionOutput
	var extErr error
	done := make(chan struct{})
	p := h.beforeUpdate
	switch {
	case h.atGrant != nil:
		p = h.atGrant
	case h.atCheckout != nil:
		p = h.atCheckout
	}
	go func() {
		defer close(done)
		ext, extErr = svc.ExtendLicenseConsumption(withHooks(ctx, h), pool.Buyer,
			license.ExtendLicenseConsumptionInput{LicenseConsumptionToken: a.LicenseConsumptionToken})
	}()
	select {
	case <-p.reached:
	case <-done:
		t.Fatalf("the extension finished without reaching the pause: %+v, %v", ext, extErr)
	}

	clk.Advance(2 * time.Minute) // the first seat has expired
	var b license.CheckoutOutput
	var bErr error
	bDone := make(chan struct{})
	go func() {
		defer close(bDone)
		b, bErr = svc.CheckoutLicense(ctx, pool.Buyer, pool.CheckoutInput("b-"+t.Name()))
	}()
	inside := h.atGrant != nil || h.atCheckout != nil
	if inside {
		select {
		case <-bDone:
			t.Errorf("a checkout committed while an extension of the same license was inside its transaction: %v", bErr)
		case <-time.After(200 * time.Millisecond):
		}
	} else {
		<-bDone
	}
	close(p.release)
	<-done
	<-bDone

	now := clk.Now()
	usage, err := db.Licenses().Usage(ctx, pool.LicenseArn, time.Time{}, now)
	if err != nil {
		t.Fatalf("Usage: %v", err)
	}
	t.Logf("extension: %+v, %v; second checkout: %v; in use at %s: %d", ext, extErr, bErr, now.Format(time.TimeOnly), usage[pool.Entitlement].InUse)
	holder := b.LicenseConsumptionToken
	if inside {
		// The extension ran first, at the time it read before the clock
		// moved: the seat is still the first checkout's.
		if extErr != nil {
			t.Errorf("the extension, first in line at a time its seat was live, failed: %v", extErr)
		}
		if c := fault.As(bErr).Code; bErr == nil || c != "NoEntitlementsAllowedException" {
			t.Errorf("the checkout queued behind the extension: %v, want NoEntitlementsAllowedException", bErr)
		}
		holder = a.LicenseConsumptionToken
	} else {
		if bErr != nil {
			t.Fatalf("checkout after the first seat expired: %v", bErr)
		}
		if extErr == nil {
			t.Errorf("the extension of an expired seat whose unit went to another checkout succeeded (expires %s)", ext.Expiration)
		} else if c := fault.As(extErr).Code; c != "ResourceNotFoundException" && c != "NoEntitlementsAllowedException" {
			t.Errorf("the extension failed with %v, want ResourceNotFoundException or NoEntitlementsAllowedException", extErr)
		}
	}
	if n := usage[pool.Entitlement].InUse; n != 1 {
		t.Errorf("%d seats in use in a pool of 1", n)
	}
	if _, err := svc.CheckInLicense(ctx, pool.Buyer, license.CheckInLicenseInput{LicenseConsumptionToken: holder}); err != nil {
		t.Errorf("checking in the seat's holder: %v", err)
	}
}

// TestCheckoutAcrossARenewal is a checkout that reads the license, version
// 1, valid for another hour, before the issuer renews it for five hours and
// the clock moves on two: at no moment was the license expired, so the
// checkout must not be refused as if version 1 were still current at the
// new time (a state TestPoolLinearizable's model could not place). It takes
// its time before it reads the license, and commits against version 2.
func TestCheckoutAcrossARenewalSQLite(t *testing.T) {
	testCheckoutAcrossARenewal(t, openSQLite(t))
}

func TestCheckoutAcrossARenewalPostgres(t *testing.T) {
	testCheckoutAcrossARenewal(t, openPostgres(t))
}

func testCheckoutAcrossARenewal(t *testing.T, db *store.DB) {
	ctx := context.Background()
	clk := clock.NewManual(epoch)
	db.SetClock(clk)
	svc := license.NewService(hookedStore{db.Licenses()}, clk, licensetest.Operators{}, license.Config{})
	pool := licensetest.NewPoolOn(t, svc, licensetest.PoolSpec{Max: 1, TTLMinutes: poolTTL, Begin: epoch.Add(-time.Hour),
		End: epoch.Add(time.Hour), Renew: license.RenewNone})
	h := &hooks{afterLicenseRead: func() {
		if _, err := svc.CreateLicenseVersion(ctx, pool.Seller, pool.RenewInput("renew", epoch.Add(5*time.Hour))); err != nil {
			t.Errorf("renewal: %v", err)
		}
		clk.Advance(2 * time.Hour)
	}}
	out, err := svc.CheckoutLicense(withHooks(ctx, h), pool.Buyer, pool.CheckoutInput("across"))
	if err != nil {
		t.Fatalf("checkout of a license renewed while it was planned: %v", err)
	}
	if want := clk.Now().Add(pool.TTL); !out.Expiration.Equal(want) {
		t.Errorf("the seat expires at %s, want %s: a time to live from the time it was taken", out.Expiration, want)
	}
}

// TestExtendOnALaggingReplica is the same hazard across replicas, whose
// clocks never agree exactly (the simulated clock refreshes from the store
// every 250ms, and one advance can move it by hours): a replica whose clock
// runs ahead sees a seat expired and gives its unit to a new checkout; a
// replica whose clock lags still sees the seat live, and must not renew it.
// Two services on one store stand for the two replicas.
func TestExtendOnALaggingReplicaSQLite(t *testing.T) {
	dir := t.TempDir()
	open := func() *store.DB { return openStore(t, store.Config{DataDir: dir}) }
	testExtendOnALaggingReplica(t, open(), open())
}

func TestExtendOnALaggingReplicaPostgres(t *testing.T) {
	url := storetest.PostgresSchema(t, storetest.PostgresURL(t))
	open := func() *store.DB { return openStore(t, store.Config{DatabaseURL: url}) }
	testExtendOnALaggingReplica(t, open(), open())
}

// openStore opens a store, closed when the test ends; a second handle on
// the same data stands for a second replica.
func openStore(t *testing.T, cfg store.Config) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// testExtendOnALaggingReplica runs the two replicas as two handles on one
// store, each with its own clock, as two processes have.
func testExtendOnALaggingReplica(t *testing.T, dbBehind, dbAhead *store.DB) {
	ctx := context.Background()
	db := dbBehind
	lagging, leading := clock.NewManual(epoch), clock.NewManual(epoch.Add(2*time.Minute))
	dbBehind.SetClock(lagging)
	dbAhead.SetClock(leading)
	behind := license.NewService(dbBehind.Licenses(), lagging, licensetest.Operators{}, license.Config{})
	ahead := license.NewService(dbAhead.Licenses(), leading, licensetest.Operators{}, license.Config{})
	pool := licensetest.NewPool(t, behind, lagging.Now(), 1, poolTTL)

	a, err := behind.CheckoutLicense(ctx, pool.Buyer, pool.CheckoutInput("a"))
	if err != nil {
		t.Fatalf("checkout on the lagging replica: %v", err)
	}
	lagging.Advance(pool.TTL - time.Minute) // a minute left, here
	leading.Advance(pool.TTL - time.Minute) // a minute gone, there
	b, err := ahead.CheckoutLicense(ctx, pool.Buyer, pool.CheckoutInput("b"))
	if err != nil {
		t.Fatalf("checkout on the leading replica, after the first seat expired by its clock: %v", err)
	}
	ext, err := behind.ExtendLicenseConsumption(ctx, pool.Buyer, license.ExtendLicenseConsumptionInput{LicenseConsumptionToken: a.LicenseConsumptionToken})
	if err == nil {
		t.Errorf("the lagging replica renewed a seat whose unit went to %s…, until %s", b.LicenseConsumptionToken[:8], ext.Expiration)
	} else if c := fault.As(err).Code; c != "NoEntitlementsAllowedException" {
		t.Errorf("the renewal failed with %v, want NoEntitlementsAllowedException", err)
	}
	for _, clk := range []*clock.Manual{lagging, leading} {
		usage, err := db.Licenses().Usage(ctx, pool.LicenseArn, time.Time{}, clk.Now().Add(2*time.Minute))
		if err != nil {
			t.Fatalf("Usage: %v", err)
		}
		if n := usage[pool.Entitlement].InUse; n != 1 {
			t.Errorf("two minutes after %s, %d seats in use in a pool of 1", clk.Now().Format(time.TimeOnly), n)
		}
	}
}
