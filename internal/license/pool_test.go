package license_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/license"
	"github.com/tollgate/tollgate/internal/license/licensetest"
	"github.com/tollgate/tollgate/internal/license/rules"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
	"github.com/tollgate/tollgate/internal/testrand"
)

// These tests prove that a floating pool of N is never over-committed,
// whatever the interleaving: many goroutines check out, check in, extend and
// move a shared clock at once against a real store, and the recorded history
// is checked for linearizability against licensetest.Model with porcupine;
// the 500-goroutine run also checks the invariant directly, by sampling the
// pool's usage and by reconciling what was acknowledged with what the store
// holds whenever the load pauses.

const (
	poolMax = 10
	poolTTL = 60 // minutes
)

// epoch is where the manual clocks start: a whole second, so that the
// millisecond times in outputs are exact.
var epoch = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// openSQLite opens a fresh SQLite store.
func openSQLite(t *testing.T) *store.DB { return storetest.SQLite(t) }

// openPostgres opens a store in a fresh schema of the database in
// TOLLGATE_TEST_POSTGRES, dropped when the test ends; it skips the test when
// the variable is unset.
func openPostgres(t *testing.T) *store.DB {
	t.Helper()
	return storetest.Postgres(storetest.PostgresURL(t))(t)
}

// harness is a pool behind a service on a real store, with a shared manual
// clock, and everything a concurrent run records.
type harness struct {
	t       *testing.T
	db      *store.DB
	svc     *license.Service
	clk     *clock.Manual
	pool    licensetest.Pool
	dialect store.Dialect
	history licensetest.History

	// clockMu: advances hold it exclusively, usage samples shared, so that a
	// sample reads the pool at one stable time.
	clockMu sync.RWMutex
	// quiet: every operation holds it shared; a checkpoint holds it
	// exclusively, when nothing is in flight.
	quiet sync.RWMutex

	mu       sync.Mutex
	ledger   map[string]*acked // what the service acknowledged, per token
	issued   []string          // every token handed out, in order
	failures map[string]int    // errors the model treats as Failed
	maxSeen  atomic.Int64      // the highest usage ever sampled
	samples  atomic.Int64
	// bornExpired counts checkouts whose expiry the clock had passed by the
	// time they returned: it jumped past the TTL after their commit.
	bornExpired atomic.Int64
	tokens      atomic.Int64 // client tokens
}

func newHarness(t *testing.T, db *store.DB, max int64) *harness {
	t.Helper()
	return newHarnessOn(t, db, licensetest.PoolSpec{Max: max, TTLMinutes: poolTTL, Begin: epoch.Add(-time.Hour), Renew: license.RenewNone})
}

// renewingSpec is a pool whose license renews weekly, its first renewal 12
// hours into the run, and whose validity ends 3 hours in unless renewed:
// histories over it hold draws reset by a renewal, checkouts and extensions
// refused because the license expired, and renewals that bring it back.
func renewingSpec(max int64) licensetest.PoolSpec {
	return licensetest.PoolSpec{Max: max, TTLMinutes: poolTTL, Begin: epoch.Add(-6*24*time.Hour - 12*time.Hour),
		End: epoch.Add(3 * time.Hour), Renew: license.RenewWeekly}
}

func newHarnessOn(t *testing.T, db *store.DB, spec licensetest.PoolSpec) *harness {
	t.Helper()
	clk := clock.NewManual(epoch)
	db.SetClock(clk)
	svc := license.NewService(db.Licenses(), clk, licensetest.Operators{}, license.Config{})
	h := &harness{t: t, db: db, svc: svc, clk: clk, dialect: db.Dialect(),
		ledger: map[string]*acked{}, failures: map[string]int{}}
	h.pool = licensetest.NewPoolOn(t, svc, spec)
	return h
}

// acked is what the service acknowledged about one token. The record does
// not depend on the order in which concurrent acknowledgements are noted: a
// check-in is for good, and of the expiries acknowledged the latest holds.
type acked struct {
	expires   time.Time
	checkedIn bool
}

func (a *acked) extend(to time.Time) {
	if to.After(a.expires) {
		a.expires = to
	}
}

// ack returns the record of token; h.mu is held.
func (h *harness) ack(token string) *acked {
	a := h.ledger[token]
	if a == nil {
		a = &acked{}
		h.ledger[token] = a
	}
	return a
}

func (h *harness) model() porcupine.Model {
	return licensetest.ModelOf(h.pool.Terms(epoch))
}

// result classifies an operation's error for the model: a refusal the
// model decides (Refused), or a failure it allows anywhere (Failed).
func (h *harness) result(kind licensetest.Kind, err error) (licensetest.Result, string) {
	if err == nil {
		return licensetest.OK, ""
	}
	if code := fault.As(err).Code; code != "" {
		if res, ok := licensetest.Refusal(kind, code); ok {
			return res, err.Error() // the message says why, in a visualization
		}
	}
	h.mu.Lock()
	h.failures[kind.String()+": "+err.Error()]++
	h.mu.Unlock()
	return licensetest.Failed, err.Error()
}

func (h *harness) checkout(ctx context.Context, client int) string {
	h.quiet.RLock()
	defer h.quiet.RUnlock()
	in := licensetest.Input{Kind: licensetest.Checkout}
	clientToken := "ct-" + strconv.FormatInt(h.tokens.Add(1), 10)
	call := h.history.Call()
	out, err := h.svc.CheckoutLicense(ctx, h.pool.Buyer, h.pool.CheckoutInput(clientToken))
	res, msg := h.result(in.Kind, err)
	o := licensetest.Output{Result: res, Err: msg}
	if res == licensetest.OK {
		o.Token, o.Expires = out.LicenseConsumptionToken, out.Expiration
	}
	h.history.Return(client, call, in, o)
	if res != licensetest.OK {
		return ""
	}
	if !o.Expires.After(h.clk.Now()) {
		h.bornExpired.Add(1)
	}
	h.mu.Lock()
	h.ack(o.Token).extend(o.Expires)
	h.issued = append(h.issued, o.Token)
	h.mu.Unlock()
	return o.Token
}

// draw checks out one unit PERPETUAL: it is consumed until the license
// renews. It holds the clock still, as a usage sample does: a draw counts
// in the renewal period of its transaction's time, which the history could
// not tell if the clock crossed a renewal while the draw was committed.
func (h *harness) draw(ctx context.Context, client int) {
	h.quiet.RLock()
	defer h.quiet.RUnlock()
	h.clockMu.RLock()
	defer h.clockMu.RUnlock()
	in := licensetest.Input{Kind: licensetest.Draw}
	clientToken := "ct-" + strconv.FormatInt(h.tokens.Add(1), 10)
	call := h.history.Call()
	_, err := h.svc.CheckoutLicense(ctx, h.pool.Buyer, h.pool.DrawInput(clientToken))
	res, msg := h.result(in.Kind, err)
	h.history.Return(client, call, in, licensetest.Output{Result: res, Err: msg})
}

// renew makes a new version of the license, valid until renewFor from the
// clock's time (a renewal, as the issuer makes one).
func (h *harness) renew(ctx context.Context, client int, renewFor time.Duration) {
	h.quiet.RLock()
	defer h.quiet.RUnlock()
	end := h.clk.Now().Add(renewFor)
	in := licensetest.Input{Kind: licensetest.Renew, Time: end}
	clientToken := "renew-" + strconv.FormatInt(h.tokens.Add(1), 10)
	call := h.history.Call()
	_, err := h.svc.CreateLicenseVersion(ctx, h.pool.Seller, h.pool.RenewInput(clientToken, end))
	res, msg := h.result(in.Kind, err)
	h.history.Return(client, call, in, licensetest.Output{Result: res, Err: msg})
}

// pick chooses a token to check in or extend: mostly one the worker holds,
// sometimes one another worker was given (recently, or at any time).
func (h *harness) pick(r *rand.Rand, held []string) (string, bool) {
	if len(held) > 0 && r.IntN(5) != 0 {
		return held[r.IntN(len(held))], true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(h.issued)
	if n == 0 {
		return "", false
	}
	if r.IntN(3) == 0 {
		return h.issued[r.IntN(n)], true
	}
	return h.issued[n-1-r.IntN(min(n, 2*poolMax))], true
}

func (h *harness) checkIn(ctx context.Context, client int, token string) {
	h.quiet.RLock()
	defer h.quiet.RUnlock()
	in := licensetest.Input{Kind: licensetest.CheckIn, Token: token}
	call := h.history.Call()
	_, err := h.svc.CheckInLicense(ctx, h.pool.Buyer, license.CheckInLicenseInput{LicenseConsumptionToken: token})
	res, msg := h.result(in.Kind, err)
	h.history.Return(client, call, in, licensetest.Output{Result: res, Err: msg})
	if res == licensetest.OK {
		h.mu.Lock()
		h.ack(token).checkedIn = true
		h.mu.Unlock()
	}
}

func (h *harness) extend(ctx context.Context, client int, token string) {
	h.quiet.RLock()
	defer h.quiet.RUnlock()
	in := licensetest.Input{Kind: licensetest.Extend, Token: token}
	call := h.history.Call()
	out, err := h.svc.ExtendLicenseConsumption(ctx, h.pool.Buyer, license.ExtendLicenseConsumptionInput{LicenseConsumptionToken: token})
	res, msg := h.result(in.Kind, err)
	o := licensetest.Output{Result: res, Err: msg}
	if res == licensetest.OK {
		o.Expires = out.Expiration
	}
	h.history.Return(client, call, in, o)
	if res == licensetest.OK {
		h.mu.Lock()
		h.ack(token).extend(o.Expires)
		h.mu.Unlock()
	}
}

func (h *harness) advance(client int, d time.Duration) {
	h.quiet.RLock()
	defer h.quiet.RUnlock()
	h.clockMu.Lock()
	defer h.clockMu.Unlock()
	to := h.clk.Now().Add(d)
	call := h.history.Call()
	h.clk.Set(to)
	h.history.Return(client, call, licensetest.Input{Kind: licensetest.Advance, Time: to}, licensetest.Output{})
}

// usage samples GetLicenseUsage as the seller, at a stable time, records it,
// and checks the invariant.
func (h *harness) usage(ctx context.Context, client int) {
	h.quiet.RLock()
	defer h.quiet.RUnlock()
	h.clockMu.RLock()
	defer h.clockMu.RUnlock()
	call := h.history.Call()
	n, err := h.consumed(ctx)
	o := licensetest.Output{Result: licensetest.OK, InUse: n}
	if err != nil {
		o = licensetest.Output{Result: licensetest.Failed, Err: err.Error()}
		h.t.Errorf("GetLicenseUsage: %v", err)
	}
	h.history.Return(client, call, licensetest.Input{Kind: licensetest.Usage}, o)
	h.samples.Add(1)
	for {
		m := h.maxSeen.Load()
		if n <= m || h.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	if n > h.pool.Max {
		h.t.Errorf("GetLicenseUsage at %s: %d seats in use, more than the pool's %d", h.clk.Now().Format(time.TimeOnly), n, h.pool.Max)
	}
}

func (h *harness) consumed(ctx context.Context) (int64, error) {
	out, err := h.svc.GetLicenseUsage(ctx, h.pool.Seller, license.GetLicenseUsageInput{LicenseArn: h.pool.LicenseArn})
	if err != nil {
		return 0, err
	}
	for _, u := range out.EntitlementUsages {
		if u.Name == h.pool.Entitlement {
			return u.Consumed, nil
		}
	}
	return 0, fmt.Errorf("no usage for %s in %+v", h.pool.Entitlement, out)
}

// checkpoint waits until nothing is in flight, then checks that the seats
// the service acknowledged (checked out or extended, and not checked in) and
// still live are exactly what the store counts, and no more than the pool.
func (h *harness) checkpoint(ctx context.Context) {
	h.quiet.Lock()
	defer h.quiet.Unlock()
	now := h.clk.Now()
	h.mu.Lock()
	var acked int64
	for _, a := range h.ledger {
		if !a.checkedIn && a.expires.After(now) {
			acked++
		}
	}
	h.mu.Unlock()
	usage, err := h.db.Licenses().Usage(ctx, h.pool.LicenseArn, time.Time{}, now)
	if err != nil {
		h.t.Errorf("store Usage: %v", err)
		return
	}
	inUse := usage[h.pool.Entitlement].InUse
	if inUse > h.pool.Max || acked > h.pool.Max {
		h.t.Errorf("at %s the pool of %d has %d seats in use (%d acknowledged)", now.Format(time.TimeOnly), h.pool.Max, inUse, acked)
	}
	if inUse != acked {
		h.t.Errorf("at %s the store counts %d seats in use, but %d acknowledged checkouts are live", now.Format(time.TimeOnly), inUse, acked)
	}
}

// mix says how often a worker does what, in thousandths; the rest checks
// out.
type mix struct {
	checkIn, extend, advance, usage int
	draw, renew                     int
	longAdvance                     int // thousandths of advances that go past the TTL
	dayAdvance                      int // thousandths of advances of 6 to 18 hours
	weekAdvance                     int // thousandths of advances of a week, give or take an hour: each crosses a weekly renewal
}

// run starts workers goroutines doing ops operations each, drawn from m,
// and a checkpointer every interval (never, if 0); it returns when all are
// done.
func (h *harness) run(seed uint64, workers, ops int, m mix, interval time.Duration) time.Duration {
	ctx := context.Background()
	begin := time.Now()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(w)))
			var held []string // tokens this worker checked out and has not checked in
			<-start
			for range ops {
				x := r.IntN(1000)
				token, have := h.pick(r, held)
				switch {
				case x < m.checkIn:
					if have {
						h.checkIn(ctx, w, token)
						held = slices.DeleteFunc(held, func(s string) bool { return s == token })
						continue
					}
				case x < m.checkIn+m.extend:
					if have {
						h.extend(ctx, w, token)
						continue
					}
				case x < m.checkIn+m.extend+m.advance:
					d := time.Duration(1+r.IntN(10)) * time.Minute
					switch y := r.IntN(1000); {
					case y < m.longAdvance:
						d = time.Duration(poolTTL+1+r.IntN(30)) * time.Minute
					case y < m.longAdvance+m.dayAdvance:
						d = time.Duration(6+r.IntN(13)) * time.Hour
					case y < m.longAdvance+m.dayAdvance+m.weekAdvance:
						d = 7*24*time.Hour + time.Duration(r.IntN(121)-60)*time.Minute
					}
					h.advance(w, d)
					continue
				case x < m.checkIn+m.extend+m.advance+m.usage:
					h.usage(ctx, w)
					continue
				case x < m.checkIn+m.extend+m.advance+m.usage+m.draw:
					h.draw(ctx, w)
					continue
				case x < m.checkIn+m.extend+m.advance+m.usage+m.draw+m.renew:
					h.renew(ctx, w, time.Duration(2+r.IntN(8))*time.Hour)
					continue
				}
				if token := h.checkout(ctx, w); token != "" {
					held = append(held, token)
				}
			}
		}()
	}
	stop := make(chan struct{})
	checkpoints := 0
	var cwg sync.WaitGroup
	if interval > 0 {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					h.checkpoint(ctx)
					checkpoints++
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(stop)
	cwg.Wait()
	h.checkpoint(ctx)
	elapsed := time.Since(begin)
	h.t.Logf("%d workers x %d ops in %v (%d checkpoints, %d usage samples, highest usage %d of %d, clock moved %v, %d checkouts expired by the time they returned)",
		workers, ops, elapsed.Round(time.Millisecond), checkpoints+1, h.samples.Load(), h.maxSeen.Load(), h.pool.Max, h.clk.Now().Sub(epoch), h.bornExpired.Load())
	h.t.Logf("operations: %v", licensetest.Counts(h.history.Operations()))
	h.reportFailures()
	return elapsed
}

// reportFailures logs the errors the model treated as no-ops: only those a
// client would retry, and on SQLite no contention.
func (h *harness) reportFailures() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for msg, n := range h.failures {
		h.t.Logf("%d x %s", n, msg)
		if !isContention(msg) || (h.dialect == store.SQLite && !strings.Contains(msg, "the license changed during checkout")) {
			h.t.Errorf("unexpected error (%d times): %s", n, msg)
		}
	}
}

// isContention says an error is one a client retries: contention that
// outlasted the store's retries, or a checkout that had to plan again more
// often than the service does (the clock jumped past the TTL under it each
// time).
func isContention(msg string) bool {
	return strings.Contains(msg, "too much contention") || strings.Contains(msg, "could not serialize") ||
		strings.Contains(msg, "the license changed during checkout")
}

// The 500-goroutine invariant test: live checkouts never exceed the pool,
// by GetLicenseUsage samples at stable times and by reconciling the
// acknowledged checkouts with the store every few milliseconds.

func TestPoolNeverOverCommittedSQLite(t *testing.T) {
	testPoolNeverOverCommitted(t, openSQLite(t))
}

func TestPoolNeverOverCommittedPostgres(t *testing.T) {
	testPoolNeverOverCommitted(t, openPostgres(t))
}

func testPoolNeverOverCommitted(t *testing.T, db *store.DB) {
	workers, ops := 500, 12
	if testing.Short() || raceEnabled {
		ops = 4
	}
	h := newHarness(t, db, poolMax)
	h.run(testrand.Seed(t), workers, ops, mix{checkIn: 250, extend: 200, advance: 5, usage: 50, longAdvance: 150}, 20*time.Millisecond)
	if h.maxSeen.Load() < h.pool.Max {
		t.Logf("note: the pool was never seen full (highest usage %d)", h.maxSeen.Load())
	}
}

// The linearizability test: fewer concurrent actors, so that porcupine's
// search (exponential in concurrency) stays fast, with many operations each.

func TestPoolLinearizableSQLite(t *testing.T) {
	testPoolLinearizable(t, openSQLite(t))
}

func TestPoolLinearizablePostgres(t *testing.T) {
	testPoolLinearizable(t, openPostgres(t))
}

func testPoolLinearizable(t *testing.T, db *store.DB) {
	// Eight actors: with sixteen, porcupine now and then ran past its two
	// minutes on a history that was not illegal, only hard to search.
	workers, ops := 8, 200
	if testing.Short() || raceEnabled {
		ops = 50
	}
	// The license renews weekly and expires unless renewed, so that the
	// history holds draws and their reset at renewals (15% of the
	// advances jump a week, each across a renewal), the license's expiry
	// and its renewals, besides the floating seats.
	h := newHarnessOn(t, db, renewingSpec(poolMax))
	h.run(testrand.Seed(t), workers, ops, mix{checkIn: 200, extend: 180, advance: 40, usage: 60, draw: 40, renew: 25,
		longAdvance: 150, dayAdvance: 60, weekAdvance: 150}, 0)
	history := h.history.Operations()
	h.requireRenewalAndExpiry(history, ops == 200)
	if licensetest.Check(t, h.model(), history, 2*time.Minute) != porcupine.Ok {
		return
	}
	// The check is sensitive to capacity: the same history is illegal for a
	// pool of one seat fewer if it ever had all ten taken.
	if h.maxSeen.Load() == h.pool.Max {
		smaller := h.pool.Terms(epoch)
		smaller.Max--
		res := porcupine.CheckOperationsTimeout(licensetest.ModelOf(smaller), history, 20*time.Second)
		t.Logf("same history, pool of %d: %v", h.pool.Max-1, res)
		if res == porcupine.Ok {
			t.Errorf("a history that had %d seats in use checks as linearizable for a pool of %d", h.pool.Max, h.pool.Max-1)
		}
	}
}

// requireRenewalAndExpiry fails the test if its history does not hold what
// it is there to check: renewals that found units drawn in the period they
// ended (so that the model checks they were given back), and checkouts,
// draws or extensions refused while the license had expired. It replays the
// history in the order of the calls, as the clock and the license's end
// moved; the tally is approximate where operations overlapped an advance,
// which is enough to tell a history that holds them from one that does not.
// Short runs, too short to be sure of a week's jump, only log the tally
// unless strict.
func (h *harness) requireRenewalAndExpiry(history []porcupine.Operation, strict bool) {
	h.t.Helper()
	ops := slices.SortedFunc(slices.Values(history), func(a, b porcupine.Operation) int { return cmp.Compare(a.Call, b.Call) })
	now, end := epoch, h.pool.End
	var drawn, resets, refusedExpired int
	for _, op := range ops {
		in, out := op.Input.(licensetest.Input), op.Output.(licensetest.Output)
		switch in.Kind {
		case licensetest.Advance:
			if !rules.PeriodStart(h.pool.Renew, h.pool.Begin, now).Equal(rules.PeriodStart(h.pool.Renew, h.pool.Begin, in.Time)) {
				if drawn > 0 {
					resets++
				}
				drawn = 0
			}
			now = in.Time
		case licensetest.Renew:
			if out.Result == licensetest.OK {
				end = in.Time
			}
		case licensetest.Draw:
			if out.Result == licensetest.OK {
				drawn++
			}
		}
		consumes := in.Kind == licensetest.Checkout || in.Kind == licensetest.Draw || in.Kind == licensetest.Extend
		if consumes && out.Result == licensetest.Refused && !end.IsZero() && !now.Before(end) {
			refusedExpired++
		}
	}
	h.t.Logf("the history holds %d renewals after draws in their period and %d refusals while the license had expired", resets, refusedExpired)
	if strict && (resets == 0 || refusedExpired == 0) {
		h.t.Errorf("the history does not exercise renewal and expiry (%d renewals after draws, %d refusals while expired): the mix needs more of them", resets, refusedExpired)
	}
}
