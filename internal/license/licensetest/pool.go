// Package licensetest checks the license manager's floating pools: a
// sequential model of a pool for porcupine's linearizability checker, a
// recorder of concurrent histories, and fixtures that set up a pool.
//
// The model is the specification the histories are checked against: a pool
// of Max units, each PROVISIONAL checkout of one unit holding a seat until it
// is checked in or its expiry passes, each PERPETUAL one (a draw) consuming
// one for the rest of the license's renewal period; the clock is part of the
// state, moved by Advance operations, because whether a seat is live, which
// renewal period it is and whether the license has expired depend on it.
// The license's validity may end within a history (after which nothing is
// checked out or extended) and a renewal (a new version) may push its end
// later.
package licensetest

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/tollgate/tollgate/internal/license"
)

// Kind names an operation on the pool.
type Kind int

// The operations of the model.
const (
	Checkout Kind = iota // check out one unit; Output.Token, Output.Expires
	CheckIn              // Input.Token
	Extend               // Input.Token; Output.Expires
	Advance              // Input.Time: the clock moves to it
	Usage                // Output.InUse: units drawn this period and held by live seats
	Draw                 // a PERPETUAL checkout of one unit
	Renew                // Input.Time: a new version of the license ends its validity then
)

func (k Kind) String() string {
	return [...]string{"Checkout", "CheckIn", "Extend", "Advance", "Usage", "Draw", "Renew"}[k]
}

// Input is an operation's argument.
type Input struct {
	Kind  Kind
	Token string    // CheckIn, Extend: the consumption token
	Time  time.Time // Advance: the clock's new time; Renew: the validity's new end
}

// Result is how an operation ended.
type Result int

// The results the model tells apart.
const (
	// OK: the operation took effect.
	OK Result = iota
	// Refused: the operation was refused for a reason the model decides: a
	// full pool or an expired license (NoEntitlementsAllowedException) for
	// Checkout and Draw, a token that is not live for CheckIn and Extend
	// (ResourceNotFoundException; for Extend also
	// NoEntitlementsAllowedException, the answer when the license expired
	// or the token's units went to others after it expired: see Refusal).
	Refused
	// Failed: any other error, such as contention on PostgreSQL; the model
	// allows it in every state and it changes nothing, because a failed
	// write leaves no trace.
	Failed
)

func (r Result) String() string { return [...]string{"ok", "refused", "failed"}[r] }

// Refusal says whether the error code an operation of kind was answered
// with is a refusal the model decides, and returns Refused if so.
//
// An extension is refused with NoEntitlementsAllowedException when, counted
// at its transaction's time, the pool holds more than its maximum: its seat
// expired at a later time another transaction had already used, and its
// unit went to a checkout there (replicas whose clocks differ). The model
// checks that such a refusal is legal: the token is not live where the
// extension takes effect.
func Refusal(kind Kind, code string) (Result, bool) {
	switch {
	case (kind == Checkout || kind == Draw) && code == "NoEntitlementsAllowedException",
		(kind == CheckIn || kind == Extend) && code == "ResourceNotFoundException",
		kind == Extend && code == "NoEntitlementsAllowedException":
		return Refused, true
	}
	return Failed, false
}

// Output is an operation's outcome.
type Output struct {
	Result  Result
	Token   string    // Checkout: the consumption token
	Expires time.Time // Checkout, Extend: the seat's expiry
	InUse   int64     // Usage
	Err     string    // for the record, when Result is not OK
}

type seat struct {
	token   string
	expires int64 // unix nanoseconds
}

// state is the model's state: the time, the seats live at that time,
// sorted by token, the units drawn in the renewal period that holds the
// time, and the end of the license's validity (0: none). It is never
// modified once made.
type state struct {
	now   int64
	seats []seat
	drawn int64
	end   int64
}

// used is what the pool holds: units drawn this period and live seats.
func (s state) used() int64 { return s.drawn + int64(len(s.seats)) }

// available says whether the license can be checked out at the state's
// time: its validity has not ended.
func (s state) available() bool { return s.end == 0 || s.now < s.end }

func (s state) live(token string) (int, bool) {
	i, ok := slices.BinarySearchFunc(s.seats, token, func(e seat, t string) int { return strings.Compare(e.token, t) })
	return i, ok
}

func (s state) without(i int) state {
	s.seats = slices.Delete(slices.Clone(s.seats), i, i+1)
	return s
}

func (s state) with(st seat) state {
	i, _ := s.live(st.token)
	s.seats = slices.Insert(slices.Clone(s.seats), i, st)
	return s
}

// at moves the state to time now, dropping the seats that expire by then,
// and what was drawn if a renewal period began.
func (s state) at(now int64, t Terms) state {
	out := state{now: now, drawn: s.drawn, end: s.end}
	if t.period(s.now) != t.period(now) {
		out.drawn = 0
	}
	for _, e := range s.seats {
		if e.expires > now {
			out.seats = append(out.seats, e)
		}
	}
	return out
}

// Terms are the pool's license as the model sees it.
type Terms struct {
	Max   int64
	TTL   time.Duration
	Start time.Time // the clock when the history begins
	// End is the end of the license's validity when the history begins
	// (zero: none); Renew operations move it.
	End time.Time
	// Renew and Begin are the license's RenewType and the begin of its
	// validity, which anchors its renewal periods.
	Renew license.RenewType
	Begin time.Time
}

// period is the number of the renewal period that holds now: how many of
// the license's renewals have passed since the begin of its validity (0 for
// a license that does not renew). It is worked out here from the renewal
// rule, not with the service's own arithmetic (rules.PeriodStart), so that
// a history checked against the model also checks where the service puts
// the renewals.
func (t Terms) period(now int64) int64 {
	at := time.Unix(0, now).UTC()
	begin := t.Begin.UTC()
	switch t.Renew {
	case license.RenewWeekly:
		return floorDiv(at.Sub(begin).Nanoseconds(), (7 * 24 * time.Hour).Nanoseconds())
	case license.RenewMonthly:
		n := int64(at.Year()-begin.Year())*12 + int64(at.Month()) - int64(begin.Month())
		if at.Before(monthlyRenewal(begin, n)) {
			n--
		}
		return n
	}
	return 0
}

// floorDiv is a/b rounded down, for a before the anchor too.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// monthlyRenewal is the n-th monthly renewal of a license anchored at
// begin: the anchor's day of the month n months on, or that month's last
// day if it is shorter, at the anchor's time of day.
func monthlyRenewal(begin time.Time, n int64) time.Time {
	y, m := begin.Year(), int(begin.Month())-1+int(n)
	y, m = y+m/12, m%12
	if m < 0 {
		y, m = y-1, m+12
	}
	lastDay := time.Date(y, time.Month(m+2), 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Date(y, time.Month(m+1), min(begin.Day(), lastDay), begin.Hour(), begin.Minute(), begin.Second(), begin.Nanosecond(), time.UTC)
}

// Model returns the sequential specification of a pool of max units whose
// checkouts live for ttl, starting at time start with no seat taken, of a
// license that neither expires nor renews.
func Model(max int64, ttl time.Duration, start time.Time) porcupine.Model {
	return ModelOf(Terms{Max: max, TTL: ttl, Start: start})
}

// ModelOf returns the sequential specification of a pool on terms t:
//
//   - Checkout succeeds if and only if fewer than Max units are drawn and
//     held, and the license was available (its validity had not ended) at
//     the checkout's stamp: the time read as it began, no later than now
//     (the model's now is when the checkout takes effect, and the clock
//     may have moved on since the stamp). The seat expires a TTL after the
//     stamp, after now.
//   - Draw succeeds if and only if fewer than Max units are drawn and held
//     and the license is available now, and consumes a unit until the
//     renewal period ends. (A draw counts in the period of its
//     transaction's time, which its output does not show: the histories
//     hold the clock still while a draw runs.)
//   - CheckIn succeeds if and only if the token's seat is live; Extend if
//     and only if it is live and the license available, and moves its
//     expiry to exactly now+TTL.
//   - Advance moves the time forward (never back); Renew sets the end of
//     the license's validity.
//   - Usage reports the units drawn this period and held by live seats.
//   - A Failed operation of any kind changes nothing.
func ModelOf(t Terms) porcupine.Model {
	var end int64
	if !t.End.IsZero() {
		end = t.End.UnixNano()
	}
	return porcupine.Model{
		Init: func() any { return state{now: t.Start.UnixNano(), end: end} },
		Step: func(st, in, out any) (bool, any) {
			return step(t, st.(state), in.(Input), out.(Output))
		},
		Equal: func(a, b any) bool {
			x, y := a.(state), b.(state)
			return x.now == y.now && x.drawn == y.drawn && x.end == y.end && slices.Equal(x.seats, y.seats)
		},
		Hash: func(st any) uint64 {
			s := st.(state)
			h := mix(mix(mix(fnvOffset, uint64(s.now)), uint64(s.drawn)), uint64(s.end))
			for _, e := range s.seats {
				// Tokens are random: a prefix tells them apart well enough.
				for i := 0; i < len(e.token) && i < 16; i++ {
					h = (h ^ uint64(e.token[i])) * fnvPrime
				}
				h = mix(h, uint64(e.expires))
			}
			return h
		},
		DescribeOperation: func(in, out any) string {
			i, o := in.(Input), out.(Output)
			switch i.Kind {
			case Checkout:
				if o.Result == OK {
					return fmt.Sprintf("Checkout() -> %s until %s", short(o.Token), o.Expires.Format(time.TimeOnly))
				}
			case CheckIn, Extend:
				if o.Result == OK && i.Kind == Extend {
					return fmt.Sprintf("Extend(%s) -> until %s", short(i.Token), o.Expires.Format(time.TimeOnly))
				}
				return fmt.Sprintf("%s(%s) -> %s%s", i.Kind, short(i.Token), o.Result, why(o))
			case Advance:
				return "Advance(" + i.Time.UTC().Format(time.DateTime) + ")"
			case Renew:
				return fmt.Sprintf("Renew(until %s) -> %s", i.Time.UTC().Format(time.DateTime), o.Result)
			case Usage:
				return fmt.Sprintf("Usage() -> %d", o.InUse)
			}
			return fmt.Sprintf("%s() -> %s%s", i.Kind, o.Result, why(o))
		},
		DescribeState: func(st any) string {
			s := st.(state)
			parts := make([]string, len(s.seats))
			for i, e := range s.seats {
				parts[i] = short(e.token) + "@" + time.Unix(0, e.expires).UTC().Format(time.TimeOnly)
			}
			return fmt.Sprintf("%s drawn %d, ends %s {%s}", time.Unix(0, s.now).UTC().Format(time.DateTime), s.drawn,
				time.Unix(0, s.end).UTC().Format(time.DateTime), strings.Join(parts, " "))
		},
	}
}

// step is the model's transition: whether out is a legal outcome of in in
// state s, and the state after it.
func step(t Terms, s state, i Input, o Output) (bool, any) {
	if o.Result == Failed {
		return true, s
	}
	switch i.Kind {
	case Checkout, Draw:
		if o.Result == Refused {
			return !s.available() || s.used() >= t.Max, s
		}
		if s.used() >= t.Max {
			return false, s
		}
		if i.Kind == Draw {
			if !s.available() {
				return false, s
			}
			s.drawn++
			return true, s
		}
		// A checkout is stamped with the time read as it began, which may
		// be before the clock moved on and the checkout took effect: the
		// license must have been valid at the stamp, and the seat expires a
		// TTL after it. (A refusal changes nothing, so it can take effect
		// before the clock moves on.)
		exp := o.Expires.UnixNano()
		stamp := exp - int64(t.TTL)
		if _, dup := s.live(o.Token); dup || stamp > s.now || exp <= s.now || (s.end != 0 && stamp >= s.end) {
			return false, s
		}
		return true, s.with(seat{token: o.Token, expires: exp})
	case CheckIn, Extend:
		at, live := s.live(i.Token)
		ok := live && (i.Kind == CheckIn || s.available())
		if o.Result == Refused {
			return !ok, s
		}
		if !ok {
			return false, s
		}
		if i.Kind == CheckIn {
			return true, s.without(at)
		}
		if o.Expires.UnixNano() != s.now+int64(t.TTL) {
			return false, s
		}
		return true, s.without(at).with(seat{token: i.Token, expires: s.now + int64(t.TTL)})
	case Advance:
		to := i.Time.UnixNano()
		if to < s.now {
			return false, s
		}
		return true, s.at(to, t)
	case Renew:
		s.end = i.Time.UnixNano()
		return o.Result == OK, s
	case Usage:
		return o.InUse == s.used(), s
	}
	return false, s
}

// FNV-1a, by hand: the checker hashes a state at every step it takes.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func mix(h, v uint64) uint64 {
	for range 8 {
		h = (h ^ (v & 0xff)) * fnvPrime
		v >>= 8
	}
	return h
}

// why is the error an operation that did not succeed was answered with,
// for a visualization.
func why(o Output) string {
	if o.Err == "" {
		return ""
	}
	return ": " + o.Err
}

func short(token string) string {
	if len(token) > 8 {
		return token[:8]
	}
	return token
}

// History records operations with call and return stamps from one counter,
// so that an operation that returned before another was called is ordered
// before it, as linearizability requires.
type History struct {
	clock atomic.Int64
	mu    sync.Mutex
	ops   []porcupine.Operation
}

// Call stamps the start of an operation; pass the stamp to Return.
func (h *History) Call() int64 { return h.clock.Add(1) }

// Return stamps the end of an operation and records it.
func (h *History) Return(client int, call int64, in Input, out Output) {
	ret := h.clock.Add(1)
	h.mu.Lock()
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Output: out, Call: call, Return: ret})
	h.mu.Unlock()
}

// Operations returns what has been recorded.
func (h *History) Operations() []porcupine.Operation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.ops)
}

// Counts tallies a history by operation and result.
func Counts(ops []porcupine.Operation) map[string]int {
	out := map[string]int{}
	for _, op := range ops {
		out[op.Input.(Input).Kind.String()+" "+op.Output.(Output).Result.String()]++
	}
	return out
}

// Check runs porcupine over a history against the model and fails the test
// unless the history is linearizable. On failure it writes a visualization
// into the test's temporary directory and names it.
func Check(t testing.TB, model porcupine.Model, ops []porcupine.Operation, timeout time.Duration) porcupine.CheckResult {
	t.Helper()
	begin := time.Now()
	res, info := porcupine.CheckOperationsVerbose(model, ops, timeout)
	t.Logf("porcupine: %d operations, %v in %v; %v", len(ops), res, time.Since(begin).Round(time.Millisecond), Counts(ops))
	if res != porcupine.Ok {
		path := t.TempDir() + "/history.html"
		if os.Getenv("LICENSETEST_KEEP_VISUALIZATION") != "" {
			path = os.Getenv("LICENSETEST_KEEP_VISUALIZATION")
		}
		if err := porcupine.VisualizePath(model, info, path); err == nil {
			t.Logf("visualization: %s", path)
		}
		t.Errorf("history of %d operations is %v against the pool model", len(ops), res)
	}
	return res
}

// Operators is a license.Operators in which nobody is an operator.
type Operators struct{}

// IsOperator reports false.
func (Operators) IsOperator(context.Context, string) (bool, error) { return false, nil }

// Pool is a license with one floating entitlement, granted to a buyer whose
// grant is active.
type Pool struct {
	Seller, Buyer string
	LicenseArn    string
	GrantArn      string
	ProductSKU    string
	Fingerprint   string
	Entitlement   string
	Max           int64
	TTL           time.Duration
	// The license's validity (End zero: none) and RenewType.
	Begin, End time.Time
	Renew      license.RenewType
}

var one = int64(1)

// CheckoutInput is a PROVISIONAL checkout of one unit of the pool.
func (p Pool) CheckoutInput(clientToken string) license.CheckoutLicenseInput {
	return license.CheckoutLicenseInput{
		ProductSKU: p.ProductSKU, CheckoutType: license.Provisional, KeyFingerprint: p.Fingerprint, ClientToken: clientToken,
		Entitlements: []license.EntitlementRequest{{Name: p.Entitlement, Unit: license.UnitCount, Quantity: &one}},
	}
}

// DrawInput is a PERPETUAL checkout of one unit of the pool.
func (p Pool) DrawInput(clientToken string) license.CheckoutLicenseInput {
	in := p.CheckoutInput(clientToken)
	in.CheckoutType = license.Perpetual
	return in
}

// Terms are the pool's terms for the model, for a history that begins at
// start.
func (p Pool) Terms(start time.Time) Terms {
	return Terms{Max: p.Max, TTL: p.TTL, Start: start, End: p.End, Renew: p.Renew, Begin: p.Begin}
}

// RenewInput is a new version of the pool's license (a renewal), the same
// but for the end of its validity.
func (p Pool) RenewInput(clientToken string, end time.Time) license.CreateLicenseVersionInput {
	in := p.licenseInput(clientToken)
	in.Validity.End = end
	return license.CreateLicenseVersionInput{LicenseArn: p.LicenseArn, LicenseName: in.LicenseName, ProductName: in.ProductName,
		Issuer: in.Issuer, HomeRegion: in.HomeRegion, Validity: in.Validity, Entitlements: in.Entitlements,
		ConsumptionConfiguration: in.ConsumptionConfiguration, Status: license.StatusAvailable, ClientToken: clientToken}
}

// licenseInput is the CreateLicense request of the pool's license.
func (p Pool) licenseInput(clientToken string) license.CreateLicenseInput {
	yes, max, ttl := true, p.Max, int(p.TTL/time.Minute)
	return license.CreateLicenseInput{
		LicenseName: "floating", ProductName: "Floating", ProductSKU: p.ProductSKU, HomeRegion: "us-east-1",
		Issuer:      &license.Issuer{Name: "Seller Inc"},
		Validity:    &license.Validity{Begin: p.Begin, End: p.End},
		Beneficiary: p.Buyer, ClientToken: clientToken,
		Entitlements: []license.Entitlement{{Name: p.Entitlement, MaxCount: &max, Unit: "Count", AllowCheckIn: &yes}},
		ConsumptionConfiguration: &license.ConsumptionConfiguration{RenewType: p.Renew,
			ProvisionalConfiguration: &license.ProvisionalConfiguration{MaxTimeToLiveInMinutes: &ttl}},
	}
}

// Pool accounts.
const (
	Seller = "111111111111"
	Buyer  = "222222222222"
)

// NewPool creates, through the service, a license of max floating seats that
// live ttlMinutes, valid from an hour before now, and grants it to Buyer:
// CreateLicense, CreateGrant, AcceptGrant, then CreateGrantVersion ACTIVE.
func NewPool(t testing.TB, svc *license.Service, now time.Time, max int64, ttlMinutes int) Pool {
	t.Helper()
	return NewPoolOn(t, svc, PoolSpec{Max: max, TTLMinutes: ttlMinutes, Begin: now.Add(-time.Hour), Renew: license.RenewNone})
}

// PoolSpec is what NewPoolOn makes a pool of.
type PoolSpec struct {
	Max        int64
	TTLMinutes int
	Begin, End time.Time // the license's validity; End zero: none
	Renew      license.RenewType
}

// NewPoolOn is NewPool of a license on the terms of spec.
func NewPoolOn(t testing.TB, svc *license.Service, spec PoolSpec) Pool {
	t.Helper()
	ctx := context.Background()
	p := Pool{Seller: Seller, Buyer: Buyer, ProductSKU: "sku-floating", Entitlement: "Seats", Max: spec.Max,
		TTL: time.Duration(spec.TTLMinutes) * time.Minute, Begin: spec.Begin, End: spec.End, Renew: spec.Renew}
	lic, err := svc.CreateLicense(ctx, p.Seller, p.licenseInput("create-license"))
	if err != nil {
		t.Fatalf("CreateLicense: %v", err)
	}
	p.LicenseArn = lic.LicenseArn
	got, err := svc.GetLicense(ctx, p.Seller, license.GetLicenseInput{LicenseArn: p.LicenseArn})
	if err != nil {
		t.Fatalf("GetLicense: %v", err)
	}
	p.Fingerprint = got.License.Issuer.KeyFingerprint
	g, err := svc.CreateGrant(ctx, p.Seller, license.CreateGrantInput{
		ClientToken: "create-grant", GrantName: "buyer", LicenseArn: p.LicenseArn, HomeRegion: "us-east-1",
		Principals:        []string{"arn:aws:iam::" + p.Buyer + ":root"},
		AllowedOperations: []license.Operation{license.OpCheckoutLicense, license.OpCheckInLicense, license.OpExtendConsumption},
	})
	if err != nil {
		t.Fatalf("CreateGrant: %v", err)
	}
	p.GrantArn = g.GrantArn
	if _, err := svc.AcceptGrant(ctx, p.Buyer, license.GrantArnInput{GrantArn: p.GrantArn}); err != nil {
		t.Fatalf("AcceptGrant: %v", err)
	}
	if _, err := svc.CreateGrantVersion(ctx, p.Buyer, license.CreateGrantVersionInput{
		ClientToken: "activate", GrantArn: p.GrantArn, Status: license.GrantActive}); err != nil {
		t.Fatalf("CreateGrantVersion ACTIVE: %v", err)
	}
	return p
}
