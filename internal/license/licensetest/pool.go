// Package licensetest checks the license manager's floating pools: a
// sequential model of a pool for porcupine's linearizability checker, a
// recorder of concurrent histories, and fixtures that set up a pool.
//
// The model is the specification the histories are checked against: a pool
// of Max units, each PROVISIONAL checkout of one unit holding a seat until it
// is checked in or its expiry passes; the clock is part of the state, moved
// by Advance operations, because whether a seat is live depends on it.
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
	Usage                // Output.InUse: units held by live seats
)

func (k Kind) String() string {
	return [...]string{"Checkout", "CheckIn", "Extend", "Advance", "Usage"}[k]
}

// Input is an operation's argument.
type Input struct {
	Kind  Kind
	Token string    // CheckIn, Extend: the consumption token
	Time  time.Time // Advance: the clock's new time
}

// Result is how an operation ended.
type Result int

// The results the model tells apart.
const (
	// OK: the operation took effect.
	OK Result = iota
	// Refused: the operation was refused for a reason the model decides: a
	// full pool (NoEntitlementsAllowedException) for Checkout, a token that
	// is not live for CheckIn and Extend (ResourceNotFoundException; for
	// Extend also NoEntitlementsAllowedException, the answer when the
	// token's units went to others after it expired: see Refusal).
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
	case kind == Checkout && code == "NoEntitlementsAllowedException",
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

// state is the model's state: the time, and the seats live at that time,
// sorted by token. It is never modified once made.
type state struct {
	now   int64
	seats []seat
}

func (s state) live(token string) (int, bool) {
	i, ok := slices.BinarySearchFunc(s.seats, token, func(e seat, t string) int { return strings.Compare(e.token, t) })
	return i, ok
}

func (s state) without(i int) state {
	return state{now: s.now, seats: slices.Delete(slices.Clone(s.seats), i, i+1)}
}

func (s state) with(st seat) state {
	i, _ := s.live(st.token)
	return state{now: s.now, seats: slices.Insert(slices.Clone(s.seats), i, st)}
}

// at moves the state to time now, dropping the seats that expire by then.
func (s state) at(now int64) state {
	out := state{now: now}
	for _, e := range s.seats {
		if e.expires > now {
			out.seats = append(out.seats, e)
		}
	}
	return out
}

// Model returns the sequential specification of a pool of max units whose
// checkouts live for ttl, starting at time start with no seat taken.
//
//   - Checkout succeeds if and only if fewer than max seats are live. The
//     seat expires when the output says: after now, and no later than
//     now+ttl (the service stamps a checkout when it starts; the model's now
//     is when it takes effect).
//   - CheckIn and Extend succeed if and only if the token's seat is live;
//     Extend moves its expiry to exactly now+ttl.
//   - Advance moves the time forward (never back).
//   - Usage reports the number of live seats.
//   - A Failed operation of any kind changes nothing.
func Model(max int64, ttl time.Duration, start time.Time) porcupine.Model {
	return porcupine.Model{
		Init: func() any { return state{now: start.UnixNano()} },
		Step: func(st, in, out any) (bool, any) {
			s, i, o := st.(state), in.(Input), out.(Output)
			if o.Result == Failed {
				return true, s
			}
			switch i.Kind {
			case Checkout:
				full := int64(len(s.seats)) >= max
				if o.Result == Refused {
					return full, s
				}
				exp := o.Expires.UnixNano()
				if _, dup := s.live(o.Token); full || dup || exp <= s.now || exp > s.now+int64(ttl) {
					return false, s
				}
				return true, s.with(seat{token: o.Token, expires: exp})
			case CheckIn, Extend:
				at, live := s.live(i.Token)
				if o.Result == Refused {
					return !live, s
				}
				if !live {
					return false, s
				}
				if i.Kind == CheckIn {
					return true, s.without(at)
				}
				if o.Expires.UnixNano() != s.now+int64(ttl) {
					return false, s
				}
				return true, s.without(at).with(seat{token: i.Token, expires: s.now + int64(ttl)})
			case Advance:
				t := i.Time.UnixNano()
				if t < s.now {
					return false, s
				}
				return true, s.at(t)
			case Usage:
				return o.InUse == int64(len(s.seats)), s
			}
			return false, s
		},
		Equal: func(a, b any) bool {
			x, y := a.(state), b.(state)
			return x.now == y.now && slices.Equal(x.seats, y.seats)
		},
		Hash: func(st any) uint64 {
			s := st.(state)
			h := mix(fnvOffset, uint64(s.now))
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
				return fmt.Sprintf("%s(%s) -> %s", i.Kind, short(i.Token), o.Result)
			case Advance:
				return "Advance(" + i.Time.Format(time.TimeOnly) + ")"
			case Usage:
				return fmt.Sprintf("Usage() -> %d", o.InUse)
			}
			return fmt.Sprintf("%s() -> %s", i.Kind, o.Result)
		},
		DescribeState: func(st any) string {
			s := st.(state)
			parts := make([]string, len(s.seats))
			for i, e := range s.seats {
				parts[i] = short(e.token) + "@" + time.Unix(0, e.expires).UTC().Format(time.TimeOnly)
			}
			return time.Unix(0, s.now).UTC().Format(time.TimeOnly) + " {" + strings.Join(parts, " ") + "}"
		},
	}
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
}

var one = int64(1)

// CheckoutInput is a PROVISIONAL checkout of one unit of the pool.
func (p Pool) CheckoutInput(clientToken string) license.CheckoutLicenseInput {
	return license.CheckoutLicenseInput{
		ProductSKU: p.ProductSKU, CheckoutType: license.Provisional, KeyFingerprint: p.Fingerprint, ClientToken: clientToken,
		Entitlements: []license.EntitlementRequest{{Name: p.Entitlement, Unit: license.UnitCount, Quantity: &one}},
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
	ctx := context.Background()
	p := Pool{Seller: Seller, Buyer: Buyer, ProductSKU: "sku-floating", Entitlement: "Seats", Max: max, TTL: time.Duration(ttlMinutes) * time.Minute}
	yes := true
	lic, err := svc.CreateLicense(ctx, p.Seller, license.CreateLicenseInput{
		LicenseName: "floating", ProductName: "Floating", ProductSKU: p.ProductSKU, HomeRegion: "us-east-1",
		Issuer:      &license.Issuer{Name: "Seller Inc"},
		Validity:    &license.Validity{Begin: now.Add(-time.Hour)},
		Beneficiary: p.Buyer, ClientToken: "create-license",
		Entitlements: []license.Entitlement{{Name: p.Entitlement, MaxCount: &max, Unit: "Count", AllowCheckIn: &yes}},
		ConsumptionConfiguration: &license.ConsumptionConfiguration{RenewType: "None",
			ProvisionalConfiguration: &license.ProvisionalConfiguration{MaxTimeToLiveInMinutes: &ttlMinutes}},
	})
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
