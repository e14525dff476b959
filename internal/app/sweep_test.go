package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/license/licensetest"
)

// TestSweepRunsInTheBackground: a running server deletes a floating
// checkout once the (simulated) clock is an hour past its expiry, without
// being asked.
func TestSweepRunsInTheBackground(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, app.Config{Clock: app.ClockSimulated, SweepInterval: 10 * time.Millisecond}, 0)
	svc := ts.App.Licenses
	pool := licensetest.NewPool(t, svc, ts.App.Clock.Now(), 1, 60)
	out, err := svc.CheckoutLicense(ctx, pool.Buyer, pool.CheckoutInput("sweep-me"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.App.Simulated.Advance(ctx, 60*time.Minute+license.ExpiredCheckoutRetention+time.Second); err != nil {
		t.Fatal(err)
	}
	// Until the sweep, a check-in is told when the checkout expired; after
	// it, that the token does not exist.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := svc.CheckInLicense(ctx, pool.Buyer, license.CheckInLicenseInput{LicenseConsumptionToken: out.LicenseConsumptionToken})
		if err == nil {
			t.Fatal("check-in of an expired checkout succeeded")
		}
		if !strings.Contains(err.Error(), "expired at") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the checkout was not swept within 10 s: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSweepEndsIdleSessions: a running server deletes a console session
// from the store once the (simulated) clock is past its idle limit, without
// anyone presenting it.
func TestSweepEndsIdleSessions(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, app.Config{Clock: app.ClockSimulated, SweepInterval: 10 * time.Millisecond}, 0)
	acct, _ := createAccount(t, ts.App, "Buyer")
	const pw = "a long enough password"
	if err := ts.App.Accounts.SetPassword(ctx, account.SetPasswordInput{AccountID: acct.ID, Password: pw}); err != nil {
		t.Fatal(err)
	}
	_, sess, err := ts.App.Accounts.SignIn(ctx, account.SignInInput{AccountID: acct.ID, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // a few sweeps: the fresh session stays
	if _, err := ts.App.DB.Accounts().GetSession(ctx, sess.ID); err != nil {
		t.Fatalf("a fresh session was swept: %v", err)
	}
	if _, err := ts.App.Simulated.Advance(ctx, account.SessionIdle); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := ts.App.DB.Accounts().GetSession(ctx, sess.ID)
		if fault.Is(err, fault.NotFound) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the idle session was not swept within 10 s: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
