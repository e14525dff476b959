package license

import (
	"math"
	"math/big"
	"testing"
)

func ptr[T any](v T) *T { return &v }

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
			if got := available(tc.e, Usage{Drawn: tc.drawn, InUse: tc.used}); got != tc.want {
				t.Errorf("available = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestParseQuantity: a checkout's Value is a whole number of units between
// 1 and MaxQuantity.
func TestParseQuantity(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1", 1, true},
		{"9007199254740991", MaxQuantity, true},
		{"9007199254740992", 0, false},
		{"9223372036854775807", 0, false},
		{"9223372036854775808", 0, false},
		{"0", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"1e3", 0, false},
		{" 1", 0, false},
		{"", 0, false},
	} {
		if got, ok := parseQuantity(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("parseQuantity(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
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
		left := available(e, Usage{Drawn: drawn, InUse: inUse})
		if left < 0 {
			t.Fatalf("available = %d, negative", left)
		}
		lim := big.NewInt(MaxQuantity)
		if hasMax && !overage && maxCount < MaxQuantity {
			lim = big.NewInt(maxCount)
		}
		total := new(big.Int).Add(big.NewInt(drawn), big.NewInt(inUse))
		total.Add(total, big.NewInt(qty))
		if fits, want := qty <= left, total.Cmp(lim) <= 0; fits != want {
			t.Fatalf("drawn %d + in use %d + %d requested against %v: fits %v, exact arithmetic says %v (available %d)",
				drawn, inUse, qty, lim, fits, want, left)
		}
	})
}
