package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"

	"github.com/tollgate/tollgate/internal/license/licensetest"
)

// TestRenewalAndExpirySurviveKill9 proves that draws, renewals and what
// they decide are durable: on a simulated clock, 16 clients draw units of a
// weekly-renewing license PERPETUAL while its issuer renews it (new
// versions, each ending an hour later), through a real `tollgate serve`
// killed with SIGKILL in the middle and restarted. Afterwards:
//   - every acknowledged draw is counted, and each draw sent but not
//     acknowledged is counted once at most, and exactly once after it is
//     repeated with its client token (twice: the same answer);
//   - every acknowledged renewal is a version with its validity, and the
//     renewal in flight at the kill, repeated, is one version at most;
//   - a week on, the license has renewed: what was drawn is whole again;
//   - past the end of the last renewal, the license is EXPIRED, refuses
//     checkouts and extensions, and a further renewal brings it back.
//
// It shares the process helpers of kill_test.go.
func TestRenewalAndExpirySurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	bin := binary(t)
	dir := t.TempDir()
	srv := startServer(t, bin, dir, "--clock", "simulated")
	sellerKey, buyerKey := ckAccount(t, bin, dir, "seller"), ckAccount(t, bin, dir, "buyer")
	seller := licensetest.Client(srv.endpoint, sellerKey.AccessKeyId, sellerKey.SecretAccessKey)
	buyer := licensetest.Client(srv.endpoint, buyerKey.AccessKeyId, buyerKey.SecretAccessKey)
	var c clockJSON
	mustJSON(t, bin, &c, "clock", "show", "--data", dir)
	start := parseNow(t, c)
	end := start.Truncate(time.Second).Add(30 * 24 * time.Hour) // whole seconds: the wire shows milliseconds
	pool := licensetest.NewSDKPoolOn(t, seller, buyer, buyerKey.AccountId, licensetest.SDKPool{Max: 1_000_000_000, TTL: time.Hour,
		Begin: start.Add(-time.Hour), End: end, Renew: types.RenewTypeWeekly})
	renewedEnd := func(k int) time.Time { return end.Add(time.Duration(k) * time.Hour) }

	var (
		mu            sync.Mutex
		acked         = map[string]string{} // client token -> consumption token
		unacked       []string
		renewals      = map[int]string{} // renewal number -> version
		unackedRenews []int
		killed        atomic.Bool
		wg            sync.WaitGroup
	)
	ctx := context.Background()
	for cl := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !killed.Load(); i++ {
				clientToken := fmt.Sprintf("draw-%d-%d", cl, i)
				rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
				out, err := buyer.CheckoutLicense(rctx, pool.DrawInput(clientToken))
				cancel()
				mu.Lock()
				if err == nil {
					acked[clientToken] = aws.ToString(out.LicenseConsumptionToken)
				} else {
					unacked = append(unacked, clientToken)
				}
				mu.Unlock()
				if err != nil && !killed.Load() {
					t.Errorf("draw %s before the kill: %v", clientToken, err)
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k := 1; !killed.Load(); k++ {
			rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			out, err := seller.CreateLicenseVersion(rctx, pool.RenewInput(fmt.Sprintf("renew-%d", k), renewedEnd(k)))
			cancel()
			mu.Lock()
			if err == nil {
				renewals[k] = aws.ToString(out.Version)
			} else {
				unackedRenews = append(unackedRenews, k)
			}
			mu.Unlock()
			if err != nil && !killed.Load() {
				t.Errorf("renewal %d before the kill: %v", k, err)
				return
			}
		}
	}()
	loadUntil(&mu, func() bool { return len(acked) >= 100 && len(renewals) >= 5 })
	killed.Store(true)
	srv.kill(t)
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("killed after %d acknowledged draws (%d unacknowledged) and %d acknowledged renewals (%d unacknowledged)",
		len(acked), len(unacked), len(renewals), len(unackedRenews))
	if len(acked) < 100 || len(renewals) < 5 {
		t.Errorf("only %d draws and %d renewals before the kill; the load is too light to mean much", len(acked), len(renewals))
	}

	srv = startServer(t, bin, dir, "--clock", "simulated")
	seller = licensetest.Client(srv.endpoint, sellerKey.AccessKeyId, sellerKey.SecretAccessKey)
	buyer = licensetest.Client(srv.endpoint, buyerKey.AccessKeyId, buyerKey.SecretAccessKey)
	consumed := func(when string) int64 {
		t.Helper()
		n, err := pool.InUse(ctx, seller)
		if err != nil {
			t.Fatalf("GetLicenseUsage %s: %v", when, err)
		}
		return n
	}
	afterRestart := consumed("after the restart")
	if lo, hi := int64(len(acked)), int64(len(acked)+len(unacked)); afterRestart < lo || afterRestart > hi {
		t.Errorf("after the restart %d units drawn; want the %d acknowledged, and at most the %d unacknowledged too", afterRestart, lo, hi-lo)
	}
	checkDrawRetries(t, buyer, pool, acked, unacked)
	if n, want := consumed("after the retries"), int64(len(acked)+len(unacked)); n != want {
		t.Errorf("after repeating the unacknowledged draws %d units drawn, want %d", n, want)
	}
	checkRenewals(t, seller, pool, renewals, unackedRenews, renewedEnd)

	// A week on, the license has renewed: what was drawn is whole again.
	mustJSON(t, bin, &c, "clock", "advance", "7d", "--data", dir)
	waitFor(t, "the server to see the renewal", func() bool { return consumed("after the renewal") == 0 })
	if _, err := buyer.CheckoutLicense(ctx, pool.DrawInput("after-renewal")); err != nil {
		t.Fatalf("draw in the new period: %v", err)
	}
	if n := consumed("after drawing in the new period"); n != 1 {
		t.Errorf("%d units drawn in the new period, want 1", n)
	}

	// Past the end of the last renewal, the license has expired: a seat
	// taken ten minutes before is not extended.
	lic, err := seller.GetLicense(ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(pool.LicenseArn)})
	if err != nil {
		t.Fatalf("GetLicense: %v", err)
	}
	last, err := time.Parse(time.RFC3339Nano, aws.ToString(lic.License.Validity.End))
	if err != nil {
		t.Fatalf("the license's end %q: %v", aws.ToString(lic.License.Validity.End), err)
	}
	probes := 0
	advanceTo := func(to time.Time) {
		t.Helper()
		mustJSON(t, bin, &c, "clock", "advance", to.Sub(parseNow(t, c)).String(), "--data", dir)
		waitFor(t, "the server to see the clock advance", func() bool {
			probes++
			out, err := buyer.CheckoutLicense(ctx, pool.CheckoutInput(fmt.Sprintf("probe-%d", probes)))
			if err != nil {
				return licensetest.ErrorCode(err) == "NoEntitlementsAllowedException" && !to.Before(last)
			}
			_, err = buyer.CheckInLicense(ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: out.LicenseConsumptionToken})
			issued, perr := time.Parse(time.RFC3339Nano, aws.ToString(out.IssuedAt))
			return err == nil && perr == nil && !issued.Before(to.Truncate(time.Millisecond))
		})
	}
	advanceTo(last.Add(-10 * time.Minute))
	floating, err := buyer.CheckoutLicense(ctx, pool.CheckoutInput("before-expiry"))
	if err != nil {
		t.Fatalf("floating checkout before the expiry: %v", err)
	}
	advanceTo(last)
	waitFor(t, "the server to see the expiry", func() bool {
		got, err := seller.GetLicense(ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(pool.LicenseArn)})
		return err == nil && got.License.Status == types.LicenseStatusExpired
	})
	if _, err := buyer.CheckoutLicense(ctx, pool.DrawInput("after-expiry")); licensetest.ErrorCode(err) != "NoEntitlementsAllowedException" {
		t.Errorf("draw after the expiry: %v, want NoEntitlementsAllowedException", err)
	}
	_, err = buyer.ExtendLicenseConsumption(ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: floating.LicenseConsumptionToken})
	if code := licensetest.ErrorCode(err); code != "NoEntitlementsAllowedException" {
		t.Errorf("extension of a live seat after the expiry: %v, want NoEntitlementsAllowedException", err)
	}
	if _, err := seller.CreateLicenseVersion(ctx, pool.RenewInput("renew-after-expiry", last.AddDate(1, 0, 0))); err != nil {
		t.Fatalf("renewal after the expiry: %v", err)
	}
	if _, err := buyer.CheckoutLicense(ctx, pool.DrawInput("after-late-renewal")); err != nil {
		t.Errorf("draw after the late renewal: %v", err)
	}
}

// checkDrawRetries repeats every draw with its client token: an
// acknowledged one answers the same; an unacknowledged one answers one
// checkout, the same when repeated again.
func checkDrawRetries(t *testing.T, buyer *licensemanager.Client, pool licensetest.SDKPool, acked map[string]string, unacked []string) {
	t.Helper()
	ctx := context.Background()
	for clientToken, token := range acked {
		out, err := buyer.CheckoutLicense(ctx, pool.DrawInput(clientToken))
		if err != nil || aws.ToString(out.LicenseConsumptionToken) != token {
			t.Errorf("repeating acknowledged draw %s: %v (%v), want %s", clientToken, aws.ToString(out.LicenseConsumptionToken), err, token)
		}
	}
	for _, clientToken := range unacked {
		first, err := buyer.CheckoutLicense(ctx, pool.DrawInput(clientToken))
		if err != nil {
			t.Errorf("repeating unacknowledged draw %s: %v", clientToken, err)
			continue
		}
		again, err := buyer.CheckoutLicense(ctx, pool.DrawInput(clientToken))
		if err != nil || aws.ToString(again.LicenseConsumptionToken) != aws.ToString(first.LicenseConsumptionToken) {
			t.Errorf("repeating %s twice: %v, then %v (%v)", clientToken, aws.ToString(first.LicenseConsumptionToken),
				aws.ToString(again.LicenseConsumptionToken), err)
		}
	}
}

// checkRenewals checks that every acknowledged renewal is a version with
// its validity, and that repeating an unacknowledged one adds one version
// at most.
func checkRenewals(t *testing.T, seller *licensemanager.Client, pool licensetest.SDKPool, renewals map[int]string, unacked []int,
	renewedEnd func(int) time.Time) {
	t.Helper()
	ctx := context.Background()
	versions := func() map[string]string {
		t.Helper()
		out := map[string]string{}
		var next *string
		for {
			page, err := seller.ListLicenseVersions(ctx, &licensemanager.ListLicenseVersionsInput{LicenseArn: aws.String(pool.LicenseArn), NextToken: next})
			if err != nil {
				t.Fatalf("ListLicenseVersions: %v", err)
			}
			for _, l := range page.Licenses {
				out[aws.ToString(l.Version)] = aws.ToString(l.Validity.End)
			}
			if next = page.NextToken; next == nil {
				return out
			}
		}
	}
	before := versions()
	for k, version := range renewals {
		end, err := time.Parse(time.RFC3339Nano, before[version])
		if err != nil || !end.Equal(renewedEnd(k)) {
			t.Errorf("acknowledged renewal %d is version %s ending %q, want %s", k, version, before[version], renewedEnd(k))
		}
	}
	if len(before) < 1+len(renewals) || len(before) > 1+len(renewals)+len(unacked) {
		t.Errorf("%d versions after the restart; want the first, the %d acknowledged renewals and at most the %d unacknowledged",
			len(before), len(renewals), len(unacked))
	}
	for _, k := range unacked {
		for range 2 {
			if _, err := seller.CreateLicenseVersion(ctx, pool.RenewInput(fmt.Sprintf("renew-%d", k), renewedEnd(k))); err != nil {
				t.Errorf("repeating unacknowledged renewal %d: %v", k, err)
			}
		}
	}
	if after := versions(); len(after) != 1+len(renewals)+len(unacked) {
		t.Errorf("%d versions after repeating the unacknowledged renewals, want %d", len(after), 1+len(renewals)+len(unacked))
	}
}

// waitFor polls cond until it holds, for up to 10 seconds: a running server
// sees a clock advance made beside it within a second.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
