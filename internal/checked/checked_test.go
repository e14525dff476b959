package checked

import (
	"math"
	"math/big"
	"testing"
)

// exact returns op(a, b) in arbitrary precision, and whether it fits in an
// int64: the oracle the checked operations are compared with.
func exact(op func(z, x, y *big.Int) *big.Int, a, b int64) (int64, bool) {
	z := op(new(big.Int), big.NewInt(a), big.NewInt(b))
	if !z.IsInt64() {
		return 0, false
	}
	return z.Int64(), true
}

var edges = []int64{math.MinInt64, math.MinInt64 + 1, -1 << 53, -2, -1, 0, 1, 2, 1 << 53, math.MaxInt64 - 1, math.MaxInt64}

func check(t *testing.T, name string, got func(a, b int64) (int64, bool), want func(z, x, y *big.Int) *big.Int, a, b int64) {
	t.Helper()
	gv, gok := got(a, b)
	wv, wok := exact(want, a, b)
	if gv != wv || gok != wok {
		t.Errorf("%s(%d, %d) = %d, %v; want %d, %v", name, a, b, gv, gok, wv, wok)
	}
}

func TestEdges(t *testing.T) {
	for _, a := range edges {
		for _, b := range edges {
			check(t, "Add", Add, (*big.Int).Add, a, b)
			check(t, "Sub", Sub, (*big.Int).Sub, a, b)
			check(t, "Mul", Mul, (*big.Int).Mul, a, b)
		}
	}
}

func TestSumAndWithin(t *testing.T) {
	for _, tc := range []struct {
		name    string
		limit   int64
		xs      []int64
		sum     int64
		sumOK   bool
		within  int64
		fitsLim bool
	}{
		{"empty", 5, nil, 0, true, 0, true},
		{"at the limit", 5, []int64{1, 4}, 5, true, 5, true},
		{"one over", 5, []int64{1, 5}, 6, true, 0, false},
		{"the issue's wrap-around: 1 + MaxInt64", 5, []int64{1, math.MaxInt64}, 0, false, 0, false},
		{"wraps and comes back", math.MaxInt64, []int64{math.MaxInt64, 1, -2}, 0, false, 0, false},
		{"negative total", 5, []int64{1, -2}, -1, true, 0, false},
		{"max int64 exactly", math.MaxInt64, []int64{math.MaxInt64 - 1, 1}, math.MaxInt64, true, math.MaxInt64, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s, ok := Sum(tc.xs...); s != tc.sum || ok != tc.sumOK {
				t.Errorf("Sum = %d, %v; want %d, %v", s, ok, tc.sum, tc.sumOK)
			}
			if s, ok := Within(tc.limit, tc.xs...); s != tc.within || ok != tc.fitsLim {
				t.Errorf("Within = %d, %v; want %d, %v", s, ok, tc.within, tc.fitsLim)
			}
		})
	}
}

// FuzzArithmetic compares every operation with arbitrary-precision
// arithmetic.
func FuzzArithmetic(f *testing.F) {
	for _, a := range edges {
		f.Add(a, int64(1))
		f.Add(a, int64(-1))
		f.Add(a, a)
	}
	f.Fuzz(func(t *testing.T, a, b int64) {
		check(t, "Add", Add, (*big.Int).Add, a, b)
		check(t, "Sub", Sub, (*big.Int).Sub, a, b)
		check(t, "Mul", Mul, (*big.Int).Mul, a, b)
		s, ok := Sum(a, b, a)
		z := new(big.Int).Add(big.NewInt(a), big.NewInt(b))
		partialFits := z.IsInt64()
		z.Add(z, big.NewInt(a))
		if want := partialFits && z.IsInt64(); ok != want || (ok && s != z.Int64()) {
			t.Errorf("Sum(%d, %d, %d) = %d, %v; exact %v", a, b, a, s, ok, z)
		}
	})
}
