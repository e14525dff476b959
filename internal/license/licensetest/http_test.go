package licensetest_test

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"

	"github.com/tollgate/tollgate/internal/account"
	"github.com/tollgate/tollgate/internal/app"
	"github.com/tollgate/tollgate/internal/license/licensetest"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/testrand"
)

// These tests run the pool end to end: an in-process server on a fresh
// SQLite store, stock aws-sdk-go-v2 License Manager clients, and goroutines
// checking out, checking in, extending and sampling the usage over HTTP.
// Every usage sample must be within the pool.

// TestPoolLinearizableOverHTTP also moves the simulated clock, past the
// time to live now and then, and checks the history with porcupine. It
// keeps to a number of clients porcupine decides in seconds.
func TestPoolLinearizableOverHTTP(t *testing.T) {
	r := runOverHTTP(t, 8, 40, true)
	licensetest.Check(t, licensetest.Model(r.pool.Max, r.pool.TTL, r.start), r.history, 2*time.Minute)
	if t.Failed() || r.maxSeen < r.pool.Max {
		return
	}
	res := porcupine.CheckOperationsTimeout(licensetest.Model(r.pool.Max-1, r.pool.TTL, r.start), r.history, 20*time.Second)
	t.Logf("same history, pool of %d: %v", r.pool.Max-1, res)
	if res == porcupine.Ok {
		t.Errorf("a history that had %d seats in use checks as linearizable for a pool of %d", r.pool.Max, r.pool.Max-1)
	}
}

// TestPoolNeverOverCommittedOverHTTP runs many more clients, at a fixed
// simulated time, and checks the history with licensetest.Violations, which
// scales where porcupine's search does not; it also asks porcupine, and
// fails if porcupine finds the history illegal in the time it has.
func TestPoolNeverOverCommittedOverHTTP(t *testing.T) {
	workers, ops := 160, 15
	if testing.Short() {
		workers, ops = 64, 10
	}
	r := runOverHTTP(t, workers, ops, false)
	bad := licensetest.Violations(r.history, r.pool.Max)
	for _, b := range bad {
		t.Error(b)
	}
	t.Logf("licensetest.Violations: %d found", len(bad))
	res := porcupine.CheckOperationsTimeout(licensetest.Model(r.pool.Max, r.pool.TTL, r.start), r.history, 5*time.Second)
	t.Logf("porcupine (5s at most): %v", res)
	if res == porcupine.Illegal {
		licensetest.Check(t, licensetest.Model(r.pool.Max, r.pool.TTL, r.start), r.history, time.Minute)
	}
}

type httpRun struct {
	history []porcupine.Operation
	pool    licensetest.SDKPool
	start   time.Time
	maxSeen int64
}

// runOverHTTP starts a server and runs workers goroutines of ops operations
// each against a pool of 10, moving the simulated clock if advances is set.
func runOverHTTP(t *testing.T, workers, ops int, advances bool) httpRun {
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{Store: store.Config{DataDir: t.TempDir()}, Clock: app.ClockSimulated,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("app.Open: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		if err := a.Close(); err != nil {
			t.Errorf("closing the app: %v", err)
		}
	})
	client := func(name string) (*licensemanager.Client, string) {
		acct, key, err := a.Accounts.Create(ctx, account.CreateAccountInput{Name: name})
		if err != nil {
			t.Fatalf("create account %s: %v", name, err)
		}
		return licensetest.Client(srv.URL, key.ID, key.Secret), acct.ID
	}
	seller, _ := client("seller")
	buyer, buyerID := client("buyer")
	start := a.Clock.Now()
	pool := licensetest.NewSDKPool(t, seller, buyer, buyerID, start.Add(-time.Hour), 10, 60)

	var (
		history  licensetest.History
		clockMu  sync.RWMutex // advances exclusive; usage samples shared
		mu       sync.Mutex
		issued   []string
		failures = map[string]int{}
		tokens   atomic.Int64
		maxSeen  atomic.Int64
	)
	result := func(kind licensetest.Kind, err error) (licensetest.Result, string) {
		if err == nil {
			return licensetest.OK, ""
		}
		code := licensetest.ErrorCode(err)
		if res, ok := licensetest.Refusal(kind, code); ok {
			return res, code
		}
		mu.Lock()
		failures[kind.String()+": "+err.Error()]++
		mu.Unlock()
		return licensetest.Failed, err.Error()
	}
	expiry := func(s *string) time.Time {
		e, err := time.Parse(time.RFC3339Nano, aws.ToString(s))
		if err != nil {
			t.Errorf("expiration %q: %v", aws.ToString(s), err)
		}
		return e
	}

	seed := testrand.Seed(t)
	begin := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(w)))
			var held []string
			for range ops {
				x := r.IntN(100)
				switch {
				case x < 30 && len(held) > 0: // check in one of ours
					token := held[r.IntN(len(held))]
					held = slices.DeleteFunc(held, func(s string) bool { return s == token })
					in := licensetest.Input{Kind: licensetest.CheckIn, Token: token}
					call := history.Call()
					_, err := buyer.CheckInLicense(ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: aws.String(token)})
					res, msg := result(in.Kind, err)
					history.Return(w, call, in, licensetest.Output{Result: res, Err: msg})
				case x < 42: // extend ours, or anyone's
					token := ""
					if len(held) > 0 && r.IntN(3) != 0 {
						token = held[r.IntN(len(held))]
					} else {
						mu.Lock()
						if len(issued) > 0 {
							token = issued[r.IntN(len(issued))]
						}
						mu.Unlock()
					}
					if token == "" {
						continue
					}
					in := licensetest.Input{Kind: licensetest.Extend, Token: token}
					call := history.Call()
					out, err := buyer.ExtendLicenseConsumption(ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: aws.String(token)})
					res, msg := result(in.Kind, err)
					o := licensetest.Output{Result: res, Err: msg}
					if res == licensetest.OK {
						o.Expires = expiry(out.Expiration)
					}
					history.Return(w, call, in, o)
				case x < 46 && advances: // move the simulated clock
					d := time.Duration(1+r.IntN(10)) * time.Minute
					if r.IntN(5) == 0 {
						d = time.Duration(61+r.IntN(30)) * time.Minute
					}
					clockMu.Lock()
					call := history.Call()
					to, err := a.Simulated.Advance(ctx, d)
					if err != nil {
						t.Errorf("advance the simulated clock: %v", err)
					}
					history.Return(w, call, licensetest.Input{Kind: licensetest.Advance, Time: to}, licensetest.Output{})
					clockMu.Unlock()
				case x < 52: // sample the usage as the seller
					clockMu.RLock()
					call := history.Call()
					n, err := pool.InUse(ctx, seller)
					o := licensetest.Output{Result: licensetest.OK, InUse: n}
					if err != nil {
						t.Errorf("GetLicenseUsage: %v", err)
						o = licensetest.Output{Result: licensetest.Failed, Err: err.Error()}
					}
					history.Return(w, call, licensetest.Input{Kind: licensetest.Usage}, o)
					clockMu.RUnlock()
					if n > pool.Max {
						t.Errorf("GetLicenseUsage: %d in use in a pool of %d", n, pool.Max)
					}
					for m := maxSeen.Load(); n > m && !maxSeen.CompareAndSwap(m, n); m = maxSeen.Load() {
					}
				default:
					in := licensetest.Input{Kind: licensetest.Checkout}
					call := history.Call()
					out, err := buyer.CheckoutLicense(ctx, pool.CheckoutInput("http-"+strconv.FormatInt(tokens.Add(1), 10)))
					res, msg := result(in.Kind, err)
					o := licensetest.Output{Result: res, Err: msg}
					if res == licensetest.OK {
						o.Token, o.Expires = aws.ToString(out.LicenseConsumptionToken), expiry(out.Expiration)
					}
					history.Return(w, call, in, o)
					if res == licensetest.OK {
						held = append(held, o.Token)
						mu.Lock()
						issued = append(issued, o.Token)
						mu.Unlock()
					}
				}
			}
		}()
	}
	wg.Wait()
	history2 := history.Operations()
	t.Logf("%d goroutines, %d operations over HTTP in %v; highest usage sampled %d of %d; clock moved %v; %v",
		workers, len(history2), time.Since(begin).Round(time.Millisecond), maxSeen.Load(), pool.Max, a.Clock.Now().Sub(start),
		licensetest.Counts(history2))
	for msg, n := range failures {
		t.Errorf("unexpected error (%d times): %s", n, msg)
	}
	// At the end, the pool holds exactly the seats acknowledged and not
	// checked in that are still live.
	live := map[string]time.Time{}
	for _, op := range history2 {
		in, out := op.Input.(licensetest.Input), op.Output.(licensetest.Output)
		switch {
		case out.Result != licensetest.OK:
		case in.Kind == licensetest.Checkout:
			live[out.Token] = out.Expires
		case in.Kind == licensetest.Extend:
			if _, ok := live[in.Token]; ok {
				live[in.Token] = out.Expires
			}
		}
	}
	for _, op := range history2 {
		if in, out := op.Input.(licensetest.Input), op.Output.(licensetest.Output); in.Kind == licensetest.CheckIn && out.Result == licensetest.OK {
			delete(live, in.Token)
		}
	}
	var acked int64
	for _, exp := range live {
		if exp.After(a.Clock.Now()) {
			acked++
		}
	}
	final, err := pool.InUse(ctx, seller)
	if err != nil || final > pool.Max || final != acked {
		t.Errorf("at the end GetLicenseUsage says %d in use (%v), the acknowledged operations leave %d live, in a pool of %d", final, err, acked, pool.Max)
	}
	return httpRun{history: history2, pool: pool, start: start, maxSeen: maxSeen.Load()}
}
