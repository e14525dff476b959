// Package money is exact amounts of the operator's one currency. An Amount
// is a whole number of micro-units (a millionth of the currency's unit), so
// a price may carry the currency's own places plus four (0.000001 USD, the
// precision a per-request or per-GB price needs) and every sum is exact
// integer arithmetic, checked for overflow. Nothing here is a float.
//
// Rounding happens in two documented places only: Prorate (a fraction of an
// amount, to the micro-unit) and Amount.Round (to the currency's places,
// when an amount is billed); both round half to even.
package money

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/tollgate/tollgate/internal/checked"
	"github.com/tollgate/tollgate/internal/fault"
)

// The operator's currency. One currency per installation.
const (
	Currency = "USD"
	// Places is the currency's own decimal places; amounts are billed to
	// them.
	Places = 2
	// MaxPlaces is the most decimal places a price may have: the
	// currency's plus four.
	MaxPlaces = Places + 4
	// unit is the number of micro-units in one unit of the currency.
	unit = 1_000_000
)

// Max is the largest amount accepted from a client: 999,999,999,999.999999,
// far above any price and far enough below the int64 limit that sums of
// many of them are checked, not wrapped.
const Max Amount = 999_999_999_999*unit + 999_999

// Amount is an exact amount of money in micro-units of Currency. It may be
// negative (a refund, a credit); prices never are (Validate rules say so).
type Amount int64

// Zero is no money.
const Zero Amount = 0

// FromMinor returns an amount of minor units (cents for USD).
func FromMinor(minor int64) (Amount, error) {
	v, ok := checked.Mul(minor, unit/pow10(Places))
	if !ok {
		return 0, errOverflow
	}
	return Amount(v), nil
}

// Micros returns the amount in micro-units.
func (a Amount) Micros() int64 { return int64(a) }

// IsZero reports whether a is zero.
func (a Amount) IsZero() bool { return a == 0 }

// Neg returns -a.
func (a Amount) Neg() Amount { return -a }

// Add returns a+b, or an error if the sum does not fit.
func (a Amount) Add(b Amount) (Amount, error) {
	v, ok := checked.Add(int64(a), int64(b))
	if !ok {
		return 0, errOverflow
	}
	return Amount(v), nil
}

// Sub returns a-b, or an error if the difference does not fit.
func (a Amount) Sub(b Amount) (Amount, error) {
	v, ok := checked.Sub(int64(a), int64(b))
	if !ok {
		return 0, errOverflow
	}
	return Amount(v), nil
}

// Times returns a*n (a price times a quantity), or an error if the product
// does not fit.
func (a Amount) Times(n int64) (Amount, error) {
	v, ok := checked.Mul(int64(a), n)
	if !ok {
		return 0, errOverflow
	}
	return Amount(v), nil
}

// Sum returns the sum of amounts, or an error if it does not fit.
func Sum(amounts ...Amount) (Amount, error) {
	var total Amount
	for _, x := range amounts {
		var err error
		if total, err = total.Add(x); err != nil {
			return 0, err
		}
	}
	return total, nil
}

// Prorate returns a*num/den rounded half to even to the micro-unit: the part
// of a monthly fee for the days left in a month, or of an annual fee for the
// hours unused. den must be positive and num must not be negative.
func Prorate(a Amount, num, den int64) (Amount, error) {
	if den <= 0 || num < 0 {
		return 0, fault.New(fault.Internal, "money: prorate by %d/%d", num, den)
	}
	p := new(big.Int).Mul(big.NewInt(int64(a)), big.NewInt(num))
	return fromRat(new(big.Rat).SetFrac(p, big.NewInt(den)), 1)
}

// Round returns a rounded half to even to the currency's places: what an
// invoice line bills. Within half a cent of the int64 limits, where the
// rounded amount would not fit, it rounds toward zero instead: no amount a
// client can cause gets there (Max is far below), and a wrapped or zeroed
// amount would be worse than a cent's difference.
func (a Amount) Round() Amount {
	step := int64(unit / pow10(Places))
	r, err := fromRat(new(big.Rat).SetFrac(big.NewInt(int64(a)), big.NewInt(step)), step)
	if err != nil {
		return a - a%Amount(step)
	}
	return r
}

// fromRat rounds r half to even to a whole number and returns it times
// scale, as an amount.
func fromRat(r *big.Rat, scale int64) (Amount, error) {
	q, rem := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	// Round half to even: compare twice the remainder with the divisor.
	twice := new(big.Int).Mul(new(big.Int).Abs(rem), big.NewInt(2))
	switch c := twice.Cmp(r.Denom()); {
	case c > 0 || (c == 0 && q.Bit(0) == 1):
		if r.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	q.Mul(q, big.NewInt(scale))
	if !q.IsInt64() {
		return 0, errOverflow
	}
	return Amount(q.Int64()), nil
}

// String writes a with at least the currency's places and at most
// MaxPlaces, without trailing zeros beyond the currency's places:
// "10.00", "0.001", "-2.50".
func (a Amount) String() string {
	v := int64(a)
	sign := ""
	u := uint64(v)
	if v < 0 {
		sign, u = "-", uint64(-v) // -MinInt64 wraps to itself; as uint64 it is right
	}
	whole, frac := u/unit, u%unit
	digits := fmt.Sprintf("%06d", frac)
	digits = strings.TrimRight(digits, "0")
	if len(digits) < Places {
		digits += strings.Repeat("0", Places-len(digits))
	}
	return sign + strconv.FormatUint(whole, 10) + "." + digits
}

// ParseError says why a string is not an amount, in words a form can show
// next to its field; Code is stable for APIs.
type ParseError struct {
	Input   string
	Code    string // "not_decimal", "too_many_places", "negative", "too_large"
	Message string
}

func (e *ParseError) Error() string { return e.Message }

// Parse reads a non-negative decimal amount: digits, optionally a point and
// at most MaxPlaces digits ("10", "10.5", "0.000001"). It refuses signs,
// exponents, spaces, thousands separators and more places than MaxPlaces,
// rather than rounding what the seller wrote.
func Parse(s string) (Amount, error) {
	fail := func(code, format string, args ...any) (Amount, error) {
		return 0, &ParseError{Input: s, Code: code, Message: fmt.Sprintf(format, args...)}
	}
	if strings.HasPrefix(s, "-") && isDecimal(s[1:]) {
		return fail("negative", "must not be negative")
	}
	if !isDecimal(s) {
		return fail("not_decimal", "must be a decimal amount such as 10.00, not %s", quoteShort(s))
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > MaxPlaces {
		return fail("too_many_places", "has %d decimal places; at most %d are allowed (%s prices are exact to %s)",
			len(frac), MaxPlaces, Currency, Amount(1).String())
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 12 {
		return fail("too_large", "must be at most %s", Max)
	}
	w, _ := strconv.ParseInt("0"+whole, 10, 64)
	f, _ := strconv.ParseInt(frac+strings.Repeat("0", MaxPlaces-len(frac)), 10, 64)
	return Amount(w*unit + f), nil
}

// MustParse is Parse for constants in tests and tables; it panics on error.
func MustParse(s string) Amount {
	a, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return a
}

// isDecimal reports whether s is digits with at most one point between
// digits ("1", "1.5"; not "", ".5", "1.", "1e3").
func isDecimal(s string) bool {
	whole, frac, hasPoint := strings.Cut(s, ".")
	return allDigits(whole) && (!hasPoint || allDigits(frac))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// quoteShort quotes s for a message, cut to 40 bytes.
func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strconv.Quote(s)
}

// MarshalJSON writes an amount as a decimal string, as the API promises.
func (a Amount) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// UnmarshalJSON reads a decimal string (Parse). Negative amounts in
// responses read back too, so that clients can decode what they are sent.
func (a *Amount) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &ParseError{Input: string(b), Code: "not_decimal", Message: "must be a decimal amount in a string, such as \"10.00\""}
	}
	neg := strings.HasPrefix(s, "-")
	v, err := Parse(strings.TrimPrefix(s, "-"))
	if err != nil {
		return err
	}
	if neg {
		v = -v
	}
	*a = v
	return nil
}

// errOverflow is what arithmetic beyond an int64 of micro-units returns:
// only quantities a client chose can get there, so it is the client's.
var errOverflow = fault.New(fault.Invalid, "the amount is out of range: at most %s", Max)

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}
