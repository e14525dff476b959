package rules

import (
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate/tollgate/internal/fault"
)

func ptr[T any](v T) *T { return &v }

const arn = "arn:aws:license-manager::222222222222:license:l-1"

// wantErr checks err against want: nil, or a fault of want's code whose
// message contains want's message.
type wantErr struct {
	code, message string
}

func (w wantErr) check(t *testing.T, err error) {
	t.Helper()
	if w.code == "" {
		if err != nil {
			t.Fatalf("error %v, want none", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %s containing %q", w.code, w.message)
	}
	if f := fault.As(err); f.Code != w.code || !strings.Contains(f.Message, w.message) {
		t.Fatalf("error %s %q, want %s containing %q", f.Code, f.Message, w.code, w.message)
	}
}

var noEntitlements = "NoEntitlementsAllowedException"

// TestPlan: which requested entitlements a license allows, and what each
// draws.
func TestPlan(t *testing.T) {
	seats := Entitlement{Name: "Seats", MaxCount: ptr(int64(5)), Unit: UnitCount}
	calls := Entitlement{Name: "Calls", Unit: UnitCount}
	gold := Entitlement{Name: "Gold", Value: "Gold tier", Unit: UnitNone}
	silver := Entitlement{Name: "Silver", Unit: UnitNone}
	held := []Entitlement{seats, calls, gold, silver}
	for _, tc := range []struct {
		name      string
		requested []EntitlementRequest
		allowed   []AllowedEntitlement
		draws     []Draw
		err       wantErr
	}{
		{name: "a quantity of a counted entitlement",
			requested: []EntitlementRequest{{Name: "Seats", Unit: UnitCount, Quantity: ptr(int64(3))}},
			allowed:   []AllowedEntitlement{{Name: "Seats", Unit: UnitCount, Quantity: 3}},
			draws:     []Draw{{Entitlement: seats, Quantity: 3}}},
		{name: "no quantity is one unit",
			requested: []EntitlementRequest{{Name: "Calls", Unit: UnitCount}},
			allowed:   []AllowedEntitlement{{Name: "Calls", Unit: UnitCount, Quantity: 1}},
			draws:     []Draw{{Entitlement: calls, Quantity: 1}}},
		{name: "every tier named: the ones held, with their values, draw nothing",
			requested: []EntitlementRequest{{Name: "Bronze", Unit: UnitNone}, {Name: "Gold", Unit: UnitNone, Value: "ignored"}, {Name: "Silver", Unit: UnitNone}},
			allowed:   []AllowedEntitlement{{Name: "Gold", Unit: UnitNone, Value: "Gold tier"}, {Name: "Silver", Unit: UnitNone, Value: "Enabled"}}},
		{name: "tiers and units together",
			requested: []EntitlementRequest{{Name: "Gold", Unit: UnitNone}, {Name: "Seats", Unit: UnitCount, Quantity: ptr(int64(5))}},
			allowed:   []AllowedEntitlement{{Name: "Gold", Unit: UnitNone, Value: "Gold tier"}, {Name: "Seats", Unit: UnitCount, Quantity: 5}},
			draws:     []Draw{{Entitlement: seats, Quantity: 5}}},
		{name: "a counted entitlement the license lacks",
			requested: []EntitlementRequest{{Name: "Seats", Unit: UnitCount}, {Name: "Storage", Unit: UnitCount}},
			err:       wantErr{noEntitlements, "has no entitlement Storage with unit Count"}},
		{name: "a counted entitlement under another unit",
			requested: []EntitlementRequest{{Name: "Seats", Unit: "Bytes"}},
			err:       wantErr{noEntitlements, "has no entitlement Seats with unit Bytes"}},
		{name: "a tier named as counted",
			requested: []EntitlementRequest{{Name: "Gold", Unit: UnitCount}},
			err:       wantErr{noEntitlements, "has no entitlement Gold with unit Count"}},
		{name: "only tiers not held",
			requested: []EntitlementRequest{{Name: "Bronze", Unit: UnitNone}},
			err:       wantErr{noEntitlements, "holds none of the requested entitlements"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			allowed, draws, err := Plan(arn, held, tc.requested)
			tc.err.check(t, err)
			if d := cmp.Diff(tc.allowed, allowed); d != "" {
				t.Errorf("allowed (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.draws, draws); d != "" {
				t.Errorf("draws (-want +got):\n%s", d)
			}
		})
	}
}

// TestPlanWhole: a borrow takes everything it asks for or nothing.
func TestPlanWhole(t *testing.T) {
	seats := Entitlement{Name: "Seats", MaxCount: ptr(int64(5)), Unit: UnitCount}
	gold := Entitlement{Name: "Gold", Value: "Gold tier", Unit: UnitNone}
	held := []Entitlement{seats, gold}
	notAllowed := "EntitlementNotAllowedException"
	for _, tc := range []struct {
		name      string
		requested []EntitlementRequest
		allowed   []AllowedEntitlement
		err       wantErr
	}{
		{name: "all held",
			requested: []EntitlementRequest{{Name: "Seats", Unit: UnitCount, Quantity: ptr(int64(2))}, {Name: "Gold", Unit: UnitNone}},
			allowed:   []AllowedEntitlement{{Name: "Seats", Unit: UnitCount, Quantity: 2}, {Name: "Gold", Unit: UnitNone, Value: "Gold tier"}}},
		{name: "a tier not held",
			requested: []EntitlementRequest{{Name: "Seats", Unit: UnitCount}, {Name: "Platinum", Unit: UnitNone}},
			err:       wantErr{notAllowed, "partial checkouts are not supported for borrowing: license " + arn + " has no entitlement Platinum with unit None"}},
		{name: "a counted entitlement not held",
			requested: []EntitlementRequest{{Name: "Storage", Unit: UnitCount}},
			err:       wantErr{notAllowed, "has no entitlement Storage with unit Count"}},
		{name: "a held one under another unit",
			requested: []EntitlementRequest{{Name: "Seats", Unit: UnitNone}},
			err:       wantErr{notAllowed, "has no entitlement Seats with unit None"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			allowed, _, err := PlanWhole(arn, held, tc.requested)
			tc.err.check(t, err)
			if d := cmp.Diff(tc.allowed, allowed); d != "" {
				t.Errorf("allowed (-want +got):\n%s", d)
			}
		})
	}
}

// TestCheckAvailable: a license is checked out only while AVAILABLE and
// inside its validity window, which includes its begin and excludes its
// end.
func TestCheckAvailable(t *testing.T) {
	begin := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	end := begin.AddDate(1, 0, 0)
	window := Validity{Begin: begin, End: end}
	for _, tc := range []struct {
		name   string
		status LicenseStatus
		v      Validity
		now    time.Time
		err    wantErr
	}{
		{"inside", StatusAvailable, window, begin.Add(time.Hour), wantErr{}},
		{"at its begin", StatusAvailable, window, begin, wantErr{}},
		{"a nanosecond before", StatusAvailable, window, begin.Add(-1), wantErr{noEntitlements, "is PENDING_AVAILABLE: its validity begins at 2026-01-01T00:00:00.000Z"}},
		{"at its end", StatusAvailable, window, end, wantErr{noEntitlements, "is EXPIRED: its validity ended at 2027-01-01T00:00:00.000Z"}},
		{"expired by its issuer", StatusExpired, window, begin.Add(time.Hour), wantErr{noEntitlements, "is EXPIRED"}},
		{"no end", StatusAvailable, Validity{Begin: begin}, begin.AddDate(100, 0, 0), wantErr{}},
		{"deactivated", StatusDeactivated, window, begin.Add(time.Hour), wantErr{noEntitlements, "is DEACTIVATED"}},
		{"deleted", StatusDeleted, window, begin.Add(time.Hour), wantErr{noEntitlements, "is DELETED"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.err.check(t, CheckAvailable(arn, tc.status, tc.v, tc.now))
		})
	}
}

// TestStatus: the status of a license at a time, derived from the status
// its issuer set and its validity.
func TestStatus(t *testing.T) {
	begin := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	end := begin.AddDate(1, 0, 0)
	window := Validity{Begin: begin, End: end}
	for _, tc := range []struct {
		name   string
		stored LicenseStatus
		v      Validity
		now    time.Time
		want   LicenseStatus
	}{
		{"inside", StatusAvailable, window, begin.Add(time.Hour), StatusAvailable},
		{"at its begin", StatusAvailable, window, begin, StatusAvailable},
		{"before its begin", StatusAvailable, window, begin.Add(-1), StatusPendingAvailable},
		{"a nanosecond before its end", StatusAvailable, window, end.Add(-1), StatusAvailable},
		{"at its end", StatusAvailable, window, end, StatusExpired},
		{"after its end", StatusAvailable, window, end.AddDate(5, 0, 0), StatusExpired},
		{"no end", StatusAvailable, Validity{Begin: begin}, begin.AddDate(100, 0, 0), StatusAvailable},
		{"deactivated, after its end", StatusDeactivated, window, end.Add(time.Hour), StatusDeactivated},
		{"deleted, before its begin", StatusDeleted, window, begin.Add(-time.Hour), StatusDeleted},
		{"suspended", StatusSuspended, window, begin.Add(time.Hour), StatusSuspended},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Status(tc.stored, tc.v, tc.now); got != tc.want {
				t.Errorf("Status(%s, %v, %s) = %s, want %s", tc.stored, tc.v, tc.now, got, tc.want)
			}
		})
	}
}

// TestAvailable is the capacity rule at its edges: what a checkout may take
// from a pool with some units drawn and in use.
func TestAvailable(t *testing.T) {
	pool := func(max int64, overage bool) Entitlement {
		return Entitlement{Name: "Seats", Unit: "Count", MaxCount: &max, Overage: &overage}
	}
	for _, tc := range []struct {
		name        string
		e           Entitlement
		drawn, used int64
		want        int64
	}{
		{"empty pool", pool(5, false), 0, 0, 5},
		{"some drawn, some in use", pool(5, false), 1, 2, 2},
		{"full", pool(5, false), 2, 3, 0},
		{"over (MaxCount lowered)", pool(5, false), 4, 4, 0},
		{"no MaxCount", Entitlement{Name: "x", Unit: "Count"}, 7, 0, MaxQuantity - 7},
		{"overage: bounded by MaxQuantity only", pool(5, true), 1, 5, MaxQuantity - 6},
		{"overage at MaxQuantity", pool(5, true), MaxQuantity, 0, 0},
		{"MaxCount above MaxQuantity (stored before the bound)", pool(math.MaxInt64, false), 1, 0, MaxQuantity - 1},
		{"counters whose sum overflows", pool(math.MaxInt64, false), math.MaxInt64, 1, 0},
		{"counters at int64's top", pool(5, true), math.MaxInt64, math.MaxInt64, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Available(tc.e, Usage{Drawn: tc.drawn, InUse: tc.used}); got != tc.want {
				t.Errorf("Available = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestCheckCapacity: a draw fits when the pool has that much left.
func TestCheckCapacity(t *testing.T) {
	seats := Entitlement{Name: "Seats", Unit: "Count", MaxCount: ptr(int64(5))}
	for _, tc := range []struct {
		name string
		qty  int64
		u    Usage
		err  wantErr
	}{
		{"fits", 2, Usage{Drawn: 1, InUse: 1}, wantErr{}},
		{"takes the last", 3, Usage{Drawn: 1, InUse: 1}, wantErr{}},
		{"one too many", 4, Usage{Drawn: 1, InUse: 1}, wantErr{noEntitlements, "entitlement Seats of license " + arn + ": 4 requested, 3 of 5 left"}},
		{"a quantity that would wrap", math.MaxInt64, Usage{Drawn: 1}, wantErr{noEntitlements, "4 of 5 left"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.err.check(t, CheckCapacity(arn, Draw{Entitlement: seats, Quantity: tc.qty}, tc.u))
		})
	}
}

// TestStillHeld: a floating checkout renews unless its pool holds more than
// its maximum.
func TestStillHeld(t *testing.T) {
	max := func(n int64) Entitlement { return Entitlement{Name: "Seats", Unit: "Count", MaxCount: ptr(n)} }
	expires := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		e       Entitlement
		u       Usage
		version string // of the checkout; the license is at version 2
		err     wantErr
	}{
		{"under its maximum", max(5), Usage{Drawn: 1, InUse: 3}, "2", wantErr{}},
		{"at its maximum", max(5), Usage{Drawn: 2, InUse: 3}, "2", wantErr{}},
		{"over: the units went to others", max(5), Usage{Drawn: 2, InUse: 4}, "2", wantErr{noEntitlements, "has 2 drawn and 4 in use of 5"}},
		{"over after a new version lowered the count", max(2), Usage{InUse: 3}, "1",
			wantErr{noEntitlements, "version 2 of license " + arn + " allows 2 of entitlement Seats, fewer than the 0 drawn and 3 in use: " +
				"a new count applies to new checkouts, and live ones run until they expire, this one at 2026-03-01T12:00:00.000Z, without extension"}},
		{"under a new version's count", max(4), Usage{InUse: 3}, "1", wantErr{}},
		{"counters whose sum overflows", max(5), Usage{Drawn: math.MaxInt64, InUse: 1}, "2", wantErr{noEntitlements, "in use of 5"}},
		{"no maximum", Entitlement{Name: "Seats", Unit: "Count"}, Usage{InUse: 100}, "2", wantErr{}},
		{"overage", Entitlement{Name: "Seats", Unit: "Count", MaxCount: ptr(int64(1)), Overage: ptr(true)}, Usage{InUse: 100}, "2", wantErr{}},
		{"a tier", Entitlement{Name: "Gold", Unit: UnitNone, MaxCount: ptr(int64(0))}, Usage{InUse: 1}, "2", wantErr{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.err.check(t, StillHeld(arn, "2", tc.e, tc.u, Held{Version: tc.version, Expires: expires}))
		})
	}
}

// TestCheckIn: which units may return before they expire.
func TestCheckIn(t *testing.T) {
	held := []Entitlement{
		{Name: "Seats", Unit: "Count"},
		{Name: "Pinned", Unit: "Count", AllowCheckIn: ptr(false)},
		{Name: "Gold", Unit: UnitNone, AllowCheckIn: ptr(false)},
	}
	seats := AllowedEntitlement{Name: "Seats", Unit: "Count", Quantity: 1}
	pinned := AllowedEntitlement{Name: "Pinned", Unit: "Count", Quantity: 1}
	gold := AllowedEntitlement{Name: "Gold", Unit: UnitNone, Value: "Enabled"}
	conflict := "ConflictException"
	for _, tc := range []struct {
		name                   string
		borrowed, earlyCheckIn bool
		taken                  []AllowedEntitlement
		err                    wantErr
	}{
		{"floating units", false, false, []AllowedEntitlement{seats, gold}, wantErr{}},
		{"units that do not allow check-in", false, false, []AllowedEntitlement{seats, pinned}, wantErr{conflict, "entitlement Pinned does not allow check-in"}},
		{"borrowed, early check-in allowed", true, true, []AllowedEntitlement{seats}, wantErr{}},
		{"borrowed, no early check-in", true, false, []AllowedEntitlement{seats}, wantErr{conflict, "cannot be checked in early"}},
		{"an entitlement the license no longer holds", false, false, []AllowedEntitlement{{Name: "Gone", Unit: "Count", Quantity: 1}}, wantErr{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.err.check(t, CheckIn(arn, tc.borrowed, tc.earlyCheckIn, held, tc.taken))
		})
	}
}

// FuzzCapacity checks the capacity rule against arbitrary-precision
// arithmetic: a checkout of qty units fits exactly when drawn + in use + qty
// is at most the entitlement's limit, for any counters a store could hold,
// and what it leaves is never negative.
func FuzzCapacity(f *testing.F) {
	f.Add(int64(1), int64(0), int64(math.MaxInt64), int64(5), true, false)
	f.Add(int64(0), int64(0), int64(5), int64(5), true, false)
	f.Add(int64(MaxQuantity-1), int64(0), int64(1), int64(5), true, true)
	f.Add(int64(math.MaxInt64), int64(math.MaxInt64), int64(1), int64(0), false, false)
	f.Fuzz(func(t *testing.T, drawn, inUse, qty, maxCount int64, hasMax, overage bool) {
		if drawn < 0 || inUse < 0 || qty < 1 || maxCount < 0 {
			t.Skip("counters, quantities and MaxCount are never negative")
		}
		e := Entitlement{Name: "Seats", Unit: "Count", Overage: &overage}
		if hasMax {
			e.MaxCount = ptr(maxCount)
		}
		u := Usage{Drawn: drawn, InUse: inUse}
		left := Available(e, u)
		if left < 0 {
			t.Fatalf("Available = %d, negative", left)
		}
		lim := big.NewInt(MaxQuantity)
		if hasMax && !overage && maxCount < MaxQuantity {
			lim = big.NewInt(maxCount)
		}
		total := new(big.Int).Add(big.NewInt(drawn), big.NewInt(inUse))
		total.Add(total, big.NewInt(qty))
		want := total.Cmp(lim) <= 0
		if fits := qty <= left; fits != want {
			t.Fatalf("drawn %d + in use %d + %d requested against %v: fits %v, exact arithmetic says %v (Available %d)",
				drawn, inUse, qty, lim, fits, want, left)
		}
		if fits := CheckCapacity(arn, Draw{Entitlement: e, Quantity: qty}, u) == nil; fits != want {
			t.Fatalf("CheckCapacity of %d with %d drawn and %d in use: fits %v, exact arithmetic says %v", qty, drawn, inUse, fits, want)
		}
	})
}
