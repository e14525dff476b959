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

	"github.com/tollgate/tollgate/internal/license/licensetest"
)

// TestCheckoutsSurviveKill9 proves that checkouts are durable: 32 clients
// check out of a large pool through a real `tollgate serve` process, which is
// killed with SIGKILL in the middle of the load and restarted on the same
// data directory. Afterwards:
//   - every checkout the server acknowledged (HTTP 200) is there: it can be
//     extended and checked in, and repeating its request returns the same
//     consumption token;
//   - nothing is counted twice: repeating each request that was sent but not
//     acknowledged returns one checkout (the one stored before the kill, or a
//     fresh one), the same one when repeated again;
//   - the pool's in-use count is exactly the acknowledged checkouts plus
//     those unacknowledged ones that had been stored, before the retries and
//     after them.
//
// It shares the process helpers of kill_test.go.
func TestCheckoutsSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	bin := binary(t)
	dir := t.TempDir()
	srv := startServer(t, bin, dir)
	// The accounts are created by the command line beside the running server.
	sellerKey, buyerKey := ckAccount(t, bin, dir, "seller"), ckAccount(t, bin, dir, "buyer")
	seller := licensetest.Client(srv.endpoint, sellerKey.AccessKeyId, sellerKey.SecretAccessKey)
	buyer := licensetest.Client(srv.endpoint, buyerKey.AccessKeyId, buyerKey.SecretAccessKey)
	pool := licensetest.NewSDKPool(t, seller, buyer, buyerKey.AccountId, time.Now().Add(-time.Hour), 100000, 60)

	// The load: unique client tokens, every answer recorded.
	const clients = 32
	var (
		mu      sync.Mutex
		acked   = map[string]string{} // client token -> consumption token
		unacked []string              // client tokens sent and not acknowledged
		killed  atomic.Bool
		wg      sync.WaitGroup
	)
	ctx := context.Background()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !killed.Load(); i++ {
				clientToken := fmt.Sprintf("kill9-%d-%d", c, i)
				rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
				out, err := buyer.CheckoutLicense(rctx, pool.CheckoutInput(clientToken))
				cancel()
				mu.Lock()
				if err == nil {
					acked[clientToken] = aws.ToString(out.LicenseConsumptionToken)
				} else {
					unacked = append(unacked, clientToken)
				}
				mu.Unlock()
				if err != nil && !killed.Load() {
					t.Errorf("checkout %s before the kill: %v", clientToken, err)
					return
				}
			}
		}()
	}
	loadUntil(&mu, func() bool { return len(acked) >= 100 })
	killed.Store(true)
	srv.kill(t)
	// Whatever was stored before the kill was issued before now; whatever is
	// stored from here on, after.
	killedAt := time.Now()
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("killed the server with SIGKILL after %d acknowledged checkouts; %d sent and not acknowledged", len(acked), len(unacked))
	if len(acked) < 100 {
		t.Errorf("only %d checkouts before the kill; the load is too light to mean much", len(acked))
	}

	srv = startServer(t, bin, dir)
	seller = licensetest.Client(srv.endpoint, sellerKey.AccessKeyId, sellerKey.SecretAccessKey)
	buyer = licensetest.Client(srv.endpoint, buyerKey.AccessKeyId, buyerKey.SecretAccessKey)
	inUse := func(when string) int64 {
		t.Helper()
		n, err := pool.InUse(ctx, seller)
		if err != nil {
			t.Fatalf("GetLicenseUsage %s: %v", when, err)
		}
		return n
	}
	afterRestart := inUse("after the restart")

	// Each unacknowledged request, repeated, is one checkout: stored before
	// the kill (issued then) or fresh; repeated again, the same one.
	retried := map[string]string{} // client token -> consumption token
	stored := 0
	for _, clientToken := range unacked {
		first, err := buyer.CheckoutLicense(ctx, pool.CheckoutInput(clientToken))
		if err != nil {
			t.Errorf("retrying unacknowledged checkout %s: %v", clientToken, err)
			continue
		}
		again, err := buyer.CheckoutLicense(ctx, pool.CheckoutInput(clientToken))
		if err != nil || aws.ToString(again.LicenseConsumptionToken) != aws.ToString(first.LicenseConsumptionToken) {
			t.Errorf("retrying %s twice: %v, then %v (%v)", clientToken, aws.ToString(first.LicenseConsumptionToken), aws.ToString(again.LicenseConsumptionToken), err)
		}
		retried[clientToken] = aws.ToString(first.LicenseConsumptionToken)
		issued, err := time.Parse(time.RFC3339Nano, aws.ToString(first.IssuedAt))
		if err != nil {
			t.Errorf("IssuedAt %q: %v", aws.ToString(first.IssuedAt), err)
		}
		if issued.Before(killedAt) {
			stored++
		}
	}
	if want := int64(len(acked) + stored); afterRestart != want {
		t.Errorf("after the restart %d seats in use; want the %d acknowledged checkouts plus the %d unacknowledged ones stored before the kill", afterRestart, len(acked), stored)
	}
	distinct := map[string]bool{}
	for _, m := range []map[string]string{acked, retried} {
		for _, token := range m {
			distinct[token] = true
		}
	}
	if n := inUse("after the retries"); n != int64(len(distinct)) {
		t.Errorf("after retrying the unacknowledged checkouts %d seats in use; %d distinct checkouts are known", n, len(distinct))
	}
	t.Logf("after the restart: %d in use (%d acknowledged + %d stored but unacknowledged); %d retried, %d distinct checkouts known",
		afterRestart, len(acked), stored, len(retried), len(distinct))

	// Every acknowledged checkout is there: its request answers the same,
	// and it can be extended and checked in, in parallel.
	work := make(chan [2]string)
	var failures atomic.Int64
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for pair := range work {
				clientToken, token := pair[0], pair[1]
				if clientToken != "" {
					out, err := buyer.CheckoutLicense(ctx, pool.CheckoutInput(clientToken))
					if err != nil || aws.ToString(out.LicenseConsumptionToken) != token {
						failures.Add(1)
						t.Errorf("repeating acknowledged checkout %s: %v (%v), want %s", clientToken, aws.ToString(out.LicenseConsumptionToken), err, token)
					}
					if _, err := buyer.ExtendLicenseConsumption(ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: aws.String(token)}); err != nil {
						failures.Add(1)
						t.Errorf("extending acknowledged checkout %s: %v", token, err)
					}
				}
				if _, err := buyer.CheckInLicense(ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: aws.String(token)}); err != nil {
					failures.Add(1)
					t.Errorf("checking in %s: %v", token, err)
				}
			}
		}()
	}
	for clientToken, token := range acked {
		work <- [2]string{clientToken, token}
	}
	for _, token := range retried {
		work <- [2]string{"", token}
	}
	close(work)
	wg.Wait()
	if n := inUse("after checking everything in"); n != 0 {
		t.Errorf("%d seats still in use after checking in every known checkout", n)
	}
	t.Logf("%d acknowledged checkouts repeated, extended and checked in, and %d retried ones checked in; %d failures", len(acked), len(retried), failures.Load())
}

// ckKey is what `tollgate account create` prints.
type ckKey struct{ AccountId, AccessKeyId, SecretAccessKey string }

// ckAccount creates an account with the command line, beside the server.
func ckAccount(t *testing.T, bin, dir, name string) ckKey {
	t.Helper()
	var k ckKey
	mustJSON(t, bin, &k, "account", "create", "--name", name, "--data", dir)
	if k.AccessKeyId == "" {
		t.Fatalf("tollgate account create printed no key")
	}
	return k
}
