// Package checked is integer arithmetic that reports overflow instead of
// wrapping around. Every quantity that is added up (units checked out or
// drawn down, usage records, instance-hours, amounts of money in minor
// units) goes through it: a sum that wraps turns a request for more than a
// pool holds into one for less, and a counter the store cannot hold into a
// corrupt row.
package checked

import "math"

// Add returns a+b, and false if the sum does not fit in an int64.
func Add(a, b int64) (int64, bool) {
	sum := a + b
	// Overflow happened if and only if a and b have the same sign and the
	// sum's sign differs from it.
	if (a >= 0) == (b >= 0) && (sum >= 0) != (a >= 0) {
		return 0, false
	}
	return sum, true
}

// Sub returns a-b, and false if the difference does not fit in an int64.
func Sub(a, b int64) (int64, bool) {
	diff := a - b
	// Overflow happened if and only if a and b have different signs and the
	// difference's sign differs from a's.
	if (a >= 0) != (b >= 0) && (diff >= 0) != (a >= 0) {
		return 0, false
	}
	return diff, true
}

// Mul returns a*b, and false if the product does not fit in an int64.
func Mul(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	// MinInt64 * -1 is the one product whose check by division below would
	// itself overflow.
	if (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return 0, false
	}
	p := a * b
	if p/b != a {
		return 0, false
	}
	return p, true
}

// Sum returns the sum of xs, and false if it, or any partial sum on the way,
// does not fit in an int64.
func Sum(xs ...int64) (int64, bool) {
	var total int64
	for _, x := range xs {
		var ok bool
		if total, ok = Add(total, x); !ok {
			return 0, false
		}
	}
	return total, true
}

// Within returns the sum of xs, and false if it is negative or above limit,
// or does not fit in an int64 on the way: the one question a bounded counter
// asks before it grows ("do these still fit?").
func Within(limit int64, xs ...int64) (int64, bool) {
	total, ok := Sum(xs...)
	if !ok || total < 0 || total > limit {
		return 0, false
	}
	return total, true
}
