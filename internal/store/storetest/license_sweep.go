package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/store"
)

var _ = register("LicenseSweep", LicenseSweep)

const sweepLicense = "arn:aws:license-manager::222222222222:license:l-sweep"

// LicenseSweep tests the deletes license.Service.Sweep is built on.
func LicenseSweep(t *testing.T, open Opener) {
	t.Run("ExpiredCheckoutsWithTheirSeats", func(t *testing.T) {
		db := open(t)
		putCheckouts(t, db,
			floating("old", Epoch.Add(-2*time.Hour)),
			floating("recent", Epoch.Add(-30*time.Minute)),
			floating("live", Epoch.Add(time.Hour)),
			license.Checkout{Token: "drawn", Account: "333333333333", LicenseArn: sweepLicense, GrantArn: "g",
				Type: license.Perpetual, IssuedAt: Epoch.Add(-3 * time.Hour), Expires: Epoch.Add(-2 * time.Hour)})

		wantSwept(t, db, "expired by an hour ago", 1, func(tx license.Tx) (int, error) {
			return tx.DeleteExpiredCheckouts(Epoch.Add(-time.Hour), 10)
		})
		wantCheckouts(t, db, map[string]bool{"old": false, "recent": true, "live": true, "drawn": true})
		// Seats are counted as of before anything expired: only the deleted
		// checkout's seat is gone.
		wantSeats(t, db, 2)

		wantSwept(t, db, "expired by now", 1, func(tx license.Tx) (int, error) {
			return tx.DeleteExpiredCheckouts(Epoch, 10)
		})
		wantCheckouts(t, db, map[string]bool{"recent": false, "live": true, "drawn": true})
		wantSeats(t, db, 1)
	})

	t.Run("ExpiredCheckoutsOldestFirstAtMostLimit", func(t *testing.T) {
		db := open(t)
		var cs []license.Checkout
		for i := 5; i >= 1; i-- {
			cs = append(cs, floating(fmt.Sprint("c", i), Epoch.Add(-time.Duration(i)*time.Minute)))
		}
		putCheckouts(t, db, cs...)
		wantSwept(t, db, "a batch of 2", 2, func(tx license.Tx) (int, error) { return tx.DeleteExpiredCheckouts(Epoch, 2) })
		wantCheckouts(t, db, map[string]bool{"c5": false, "c4": false, "c3": true, "c2": true, "c1": true})
	})

	t.Run("ClientTokens", func(t *testing.T) {
		db := open(t)
		at := map[string]time.Time{
			"two-days": Epoch.Add(-48 * time.Hour), "a-day-and-an-hour": Epoch.Add(-25 * time.Hour),
			"an-hour": Epoch.Add(-time.Hour), "undated": time.Unix(0, 0),
		}
		NoError(t, db.Licenses().Update(t.Context(), func(tx license.Tx) error {
			for token, when := range at {
				if err := tx.PutIdempotent("333333333333", "CheckoutLicense", token, "hash", []byte(`{}`), when); err != nil {
					return err
				}
			}
			return nil
		}), "store answers")
		// Answers stored before their age was kept get the sweep's time.
		wantSwept(t, db, "dating, a batch of one", 1, func(tx license.Tx) (int, error) { return tx.DateClientTokens(Epoch, 1) })
		wantSwept(t, db, "dating what is left", 0, func(tx license.Tx) (int, error) { return tx.DateClientTokens(Epoch, 10) })
		wantSwept(t, db, "older than a day", 2, func(tx license.Tx) (int, error) {
			return tx.DeleteClientTokens(Epoch.Add(-24*time.Hour), 10)
		})
		wantAnswers(t, db, map[string]bool{"two-days": false, "a-day-and-an-hour": false, "an-hour": true, "undated": true})
		wantSwept(t, db, "oldest of what is left", 1, func(tx license.Tx) (int, error) { return tx.DeleteClientTokens(Epoch, 1) })
		wantAnswers(t, db, map[string]bool{"an-hour": false, "undated": true})
	})
}

// floating is a PROVISIONAL checkout of one seat that expires at expires.
func floating(token string, expires time.Time) license.Checkout {
	return license.Checkout{Token: token, Account: "333333333333", LicenseArn: sweepLicense, GrantArn: "g",
		Type: license.Provisional, IssuedAt: expires.Add(-time.Hour), Expires: expires,
		Entitlements: []license.AllowedEntitlement{{Name: "Seats", Quantity: 1, Unit: license.UnitCount}}}
}

func putCheckouts(t *testing.T, db *store.DB, cs ...license.Checkout) {
	t.Helper()
	NoError(t, db.Licenses().Update(t.Context(), func(tx license.Tx) error {
		for _, c := range cs {
			if c.Type == license.Provisional {
				if err := tx.AddSeat(license.Seat{Token: c.Token, LicenseArn: c.LicenseArn, Name: "Seats", Quantity: 1, Expires: c.Expires}); err != nil {
					return err
				}
			}
			if err := tx.PutCheckout(c); err != nil {
				return err
			}
		}
		return nil
	}), "store checkouts")
}

func wantSwept(t *testing.T, db *store.DB, what string, want int, del func(license.Tx) (int, error)) {
	t.Helper()
	var n int
	NoError(t, db.Licenses().Update(t.Context(), func(tx license.Tx) error {
		var err error
		n, err = del(tx)
		return err
	}), "sweep "+what)
	if n != want {
		t.Errorf("sweep %s deleted %d, want %d", what, n, want)
	}
}

// wantCheckouts checks which of the named checkouts are stored.
func wantCheckouts(t *testing.T, db *store.DB, present map[string]bool) {
	t.Helper()
	got := map[string]bool{}
	NoError(t, db.Licenses().Update(t.Context(), func(tx license.Tx) error {
		for token := range present {
			_, err := tx.Checkout(token)
			if err != nil && !fault.Is(err, fault.NotFound) {
				return err
			}
			got[token] = err == nil
		}
		return nil
	}), "read checkouts")
	Diff(t, "checkouts present", present, got)
}

// wantSeats checks how many seats of the sweep license are stored, counting
// those that have expired.
func wantSeats(t *testing.T, db *store.DB, want int64) {
	t.Helper()
	var u license.Usage
	NoError(t, db.Licenses().Update(t.Context(), func(tx license.Tx) error {
		var err error
		u, err = tx.Usage(sweepLicense, "Seats", time.Time{}, Epoch.Add(-24*time.Hour))
		return err
	}), "usage")
	if u.InUse != want {
		t.Errorf("%d seats stored, want %d", u.InUse, want)
	}
}

// wantAnswers checks which of the named client tokens have a stored answer.
func wantAnswers(t *testing.T, db *store.DB, present map[string]bool) {
	t.Helper()
	got := map[string]bool{}
	for token := range present {
		_, err := db.Licenses().Idempotent(t.Context(), "333333333333", "CheckoutLicense", token)
		if err != nil && !fault.Is(err, fault.NotFound) {
			t.Fatalf("read answer %s: %v", token, err)
		}
		got[token] = err == nil
	}
	Diff(t, "answers present", present, got)
}
